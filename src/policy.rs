//! Nova's default policy rules for the APIs this server implements.
//!
//! The defaults are those of Nova with `enforce_new_defaults` and `enforce_scope`:
//! reading extra specs needs a project reader (any of reader, member, manager or
//! admin), and every write needs the admin role. Listing and showing flavors has no
//! policy at all.

use crate::error::ApiError;
use crate::identity::Identity;

/// A policy rule, named as in Nova's `policy.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `GET .../os-extra_specs`.
    ExtraSpecsIndex,
    /// `GET .../os-extra_specs/{key}`.
    ExtraSpecsShow,
    /// `POST .../os-extra_specs`.
    ExtraSpecsCreate,
    /// `PUT .../os-extra_specs/{key}`.
    ExtraSpecsUpdate,
    /// `DELETE .../os-extra_specs/{key}`.
    ExtraSpecsDelete,
    /// `POST /flavors`.
    FlavorCreate,
    /// `PUT /flavors/{id}`.
    FlavorUpdate,
    /// `DELETE /flavors/{id}`.
    FlavorDelete,
    /// `GET /flavors/{id}/os-flavor-access`.
    FlavorAccessList,
    /// `addTenantAccess` action.
    FlavorAccessAdd,
    /// `removeTenantAccess` action.
    FlavorAccessRemove,
}

impl Rule {
    /// Returns the rule name that Nova puts in its 403 message.
    pub fn name(self) -> &'static str {
        match self {
            Self::ExtraSpecsIndex => "os_compute_api:os-flavor-extra-specs:index",
            Self::ExtraSpecsShow => "os_compute_api:os-flavor-extra-specs:show",
            Self::ExtraSpecsCreate => "os_compute_api:os-flavor-extra-specs:create",
            Self::ExtraSpecsUpdate => "os_compute_api:os-flavor-extra-specs:update",
            Self::ExtraSpecsDelete => "os_compute_api:os-flavor-extra-specs:delete",
            Self::FlavorCreate => "os_compute_api:os-flavor-manage:create",
            Self::FlavorUpdate => "os_compute_api:os-flavor-manage:update",
            Self::FlavorDelete => "os_compute_api:os-flavor-manage:delete",
            Self::FlavorAccessList => "os_compute_api:os-flavor-access",
            Self::FlavorAccessAdd => "os_compute_api:os-flavor-access:add_tenant_access",
            Self::FlavorAccessRemove => "os_compute_api:os-flavor-access:remove_tenant_access",
        }
    }

    /// Tells whether the caller passes the rule.
    pub fn allows(self, identity: &Identity) -> bool {
        match self {
            Self::ExtraSpecsIndex | Self::ExtraSpecsShow => {
                identity.has_role("reader") || identity.is_admin()
            }
            _ => identity.is_admin(),
        }
    }

    /// Returns Nova's 403 unless the caller passes the rule.
    pub fn authorize(self, identity: &Identity) -> Result<(), ApiError> {
        if self.allows(identity) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(self.name()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(roles: &[&str]) -> Identity {
        Identity::new("u", "u", "p", "p", roles)
    }

    #[test]
    fn reader_may_index() {
        assert!(Rule::ExtraSpecsIndex.allows(&caller(&["reader"])));
    }

    #[test]
    fn member_may_show() {
        assert!(Rule::ExtraSpecsShow.allows(&caller(&["member"])));
    }

    #[test]
    fn no_role_may_not_index() {
        assert!(!Rule::ExtraSpecsIndex.allows(&caller(&[])));
    }

    #[test]
    fn manager_may_not_update() {
        assert!(!Rule::ExtraSpecsUpdate.allows(&caller(&["manager"])));
    }

    #[test]
    fn admin_role_ignores_case() {
        assert!(Rule::ExtraSpecsDelete.allows(&caller(&["ADMIN"])));
    }

    #[test]
    fn forbidden_message_names_rule() {
        let error = Rule::ExtraSpecsCreate
            .authorize(&caller(&["reader"]))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Policy doesn't allow os_compute_api:os-flavor-extra-specs:create to be performed."
        );
    }
}
