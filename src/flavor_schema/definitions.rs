//! Nova's flavor request schemas, transcribed keyword for keyword in the
//! order of the Python dicts in `nova/api/openstack/compute/schemas/flavors.py`,
//! `flavor_access.py` and `nova/api/validation/parameter_types.py`.

use super::numbers::Limit;
use super::schema::{EnumItem, JsonType, Keyword, NameFormat, Pattern, Schema};

/// `nova.db.constants.MAX_INT`, the upper bound of the integer flavor fields.
pub(super) const MAX_INT: u32 = 0x7FFF_FFFF;

/// `nova.db.constants.SQL_SP_FLOAT_MAX`, the upper bound of `rxtx_factor`.
pub(super) const SQL_SP_FLOAT_MAX: f64 = 3.40282e+38;

/// `parameter_types.name`.
const NAME: Schema = &[
    Keyword::Type(&[JsonType::String]),
    Keyword::Format(NameFormat::Name),
    Keyword::MinLength(1),
    Keyword::MaxLength(255),
];

/// `parameter_types.name_with_leading_trailing_spaces`.
const NAME_WITH_SPACES: Schema = &[
    Keyword::Type(&[JsonType::String]),
    Keyword::Format(NameFormat::NameWithSpaces),
    Keyword::MinLength(1),
    Keyword::MaxLength(255),
];

const FLAVOR_ID: Schema = &[
    Keyword::Type(&[JsonType::String, JsonType::Number, JsonType::Null]),
    Keyword::MinLength(1),
    Keyword::MaxLength(255),
    Keyword::Pattern(Pattern::FlavorId),
];

/// `parameter_types.flavor_param_positive`, a copy of `volume_size`.
const POSITIVE: Schema = &[
    Keyword::Type(&[JsonType::Integer, JsonType::String]),
    Keyword::Pattern(Pattern::Digits),
    Keyword::Minimum(Limit::Int(1)),
    Keyword::Maximum(Limit::Int(MAX_INT as i64)),
];

/// `parameter_types.flavor_param_non_negative`.
const NON_NEGATIVE: Schema = &[
    Keyword::Type(&[JsonType::Integer, JsonType::String]),
    Keyword::Pattern(Pattern::Digits),
    Keyword::Minimum(Limit::Int(0)),
    Keyword::Maximum(Limit::Int(MAX_INT as i64)),
];

const RXTX_FACTOR: Schema = &[
    Keyword::Type(&[JsonType::Number, JsonType::String]),
    Keyword::Pattern(Pattern::Decimal),
    Keyword::ExclusiveMinimum(Limit::Int(0)),
    Keyword::Maximum(Limit::Float(SQL_SP_FLOAT_MAX)),
];

/// `parameter_types.boolean`.
const BOOLEAN: Schema = &[
    Keyword::Type(&[JsonType::Boolean, JsonType::String]),
    Keyword::Enum(&[
        EnumItem::Bool(true),
        EnumItem::Str("True"),
        EnumItem::Str("TRUE"),
        EnumItem::Str("true"),
        EnumItem::Str("1"),
        EnumItem::Str("ON"),
        EnumItem::Str("On"),
        EnumItem::Str("on"),
        EnumItem::Str("YES"),
        EnumItem::Str("Yes"),
        EnumItem::Str("yes"),
        EnumItem::Bool(false),
        EnumItem::Str("False"),
        EnumItem::Str("FALSE"),
        EnumItem::Str("false"),
        EnumItem::Str("0"),
        EnumItem::Str("OFF"),
        EnumItem::Str("Off"),
        EnumItem::Str("off"),
        EnumItem::Str("NO"),
        EnumItem::Str("No"),
        EnumItem::Str("no"),
    ]),
];

/// `_flavor_description`, added in 2.55.
const DESCRIPTION: Schema = &[
    Keyword::Type(&[JsonType::String, JsonType::Null]),
    Keyword::MinLength(0),
    Keyword::MaxLength(65535),
    Keyword::Pattern(Pattern::Description),
];

/// Wraps the `flavor` object schema as the body schema of create and update.
macro_rules! flavor_body {
    ($properties:expr, $required:expr) => {
        &[
            Keyword::Type(&[JsonType::Object]),
            Keyword::Properties(&[(
                "flavor",
                &[
                    Keyword::Type(&[JsonType::Object]),
                    Keyword::Properties($properties),
                    Keyword::Required($required),
                    Keyword::NoAdditionalProperties,
                ],
            )]),
            Keyword::Required(&["flavor"]),
            Keyword::NoAdditionalProperties,
        ]
    };
}

const CREATE_REQUIRED: &[&str] = &["name", "ram", "vcpus", "disk"];

/// `schemas.flavors.create_v20`, for the legacy v2.0 API: `create` with a
/// name that may start or end with spaces.
pub(super) const CREATE_V20: Schema = flavor_body!(
    &[
        ("name", NAME_WITH_SPACES),
        ("id", FLAVOR_ID),
        ("ram", POSITIVE),
        ("vcpus", POSITIVE),
        ("disk", NON_NEGATIVE),
        ("OS-FLV-EXT-DATA:ephemeral", NON_NEGATIVE),
        ("swap", NON_NEGATIVE),
        ("rxtx_factor", RXTX_FACTOR),
        ("os-flavor-access:is_public", BOOLEAN),
    ],
    CREATE_REQUIRED
);

/// `schemas.flavors.create`, for 2.1 to 2.54.
pub(super) const CREATE: Schema = flavor_body!(
    &[
        ("name", NAME),
        ("id", FLAVOR_ID),
        ("ram", POSITIVE),
        ("vcpus", POSITIVE),
        ("disk", NON_NEGATIVE),
        ("OS-FLV-EXT-DATA:ephemeral", NON_NEGATIVE),
        ("swap", NON_NEGATIVE),
        ("rxtx_factor", RXTX_FACTOR),
        ("os-flavor-access:is_public", BOOLEAN),
    ],
    CREATE_REQUIRED
);

/// `schemas.flavors.create_v255`, for 2.55 to 2.101: `description` is added
/// after the other properties.
pub(super) const CREATE_V255: Schema = flavor_body!(
    &[
        ("name", NAME),
        ("id", FLAVOR_ID),
        ("ram", POSITIVE),
        ("vcpus", POSITIVE),
        ("disk", NON_NEGATIVE),
        ("OS-FLV-EXT-DATA:ephemeral", NON_NEGATIVE),
        ("swap", NON_NEGATIVE),
        ("rxtx_factor", RXTX_FACTOR),
        ("os-flavor-access:is_public", BOOLEAN),
        ("description", DESCRIPTION),
    ],
    CREATE_REQUIRED
);

/// `schemas.flavors.create_v2102`, for 2.102 and later: `rxtx_factor` is gone.
pub(super) const CREATE_V2102: Schema = flavor_body!(
    &[
        ("name", NAME),
        ("id", FLAVOR_ID),
        ("ram", POSITIVE),
        ("vcpus", POSITIVE),
        ("disk", NON_NEGATIVE),
        ("OS-FLV-EXT-DATA:ephemeral", NON_NEGATIVE),
        ("swap", NON_NEGATIVE),
        ("os-flavor-access:is_public", BOOLEAN),
        ("description", DESCRIPTION),
    ],
    CREATE_REQUIRED
);

/// `schemas.flavors.update`, for 2.55 and later.
pub(super) const UPDATE: Schema = flavor_body!(&[("description", DESCRIPTION)], &["description"]);

/// The `{"tenant": ...}` object of both flavor-access actions.
const TENANT_ACCESS: Schema = &[
    Keyword::Type(&[JsonType::Object]),
    Keyword::Properties(&[(
        "tenant",
        &[
            Keyword::Type(&[JsonType::String]),
            Keyword::MinLength(1),
            Keyword::MaxLength(255),
        ],
    )]),
    Keyword::Required(&["tenant"]),
    Keyword::NoAdditionalProperties,
];

/// `schemas.flavor_access.add_tenant_access`.
pub(super) const ADD_TENANT_ACCESS: Schema = &[
    Keyword::Type(&[JsonType::Object]),
    Keyword::Properties(&[("addTenantAccess", TENANT_ACCESS)]),
    Keyword::Required(&["addTenantAccess"]),
    Keyword::NoAdditionalProperties,
];

/// `schemas.flavor_access.remove_tenant_access`.
pub(super) const REMOVE_TENANT_ACCESS: Schema = &[
    Keyword::Type(&[JsonType::Object]),
    Keyword::Properties(&[("removeTenantAccess", TENANT_ACCESS)]),
    Keyword::Required(&["removeTenantAccess"]),
    Keyword::NoAdditionalProperties,
];
