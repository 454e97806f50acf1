//! Feeds arbitrary keys and values to the extra-spec key pattern and to
//! Nova's 2.86 value validators, which parse integers, masks, sizes and
//! enums. The input is split at its first zero byte into key and value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mock_nova::{schema, validators};

fuzz_target!(|data: &[u8]| {
    let (key, value) = match data.iter().position(|&byte| byte == 0) {
        Some(split) => (&data[..split], &data[split + 1..]),
        None => (data, &[][..]),
    };
    let key = String::from_utf8_lossy(key);
    let value = String::from_utf8_lossy(value);
    let _ = schema::is_valid_key(&key);
    if let Err(message) = validators::catalog().validate(&key, &value) {
        assert!(!message.is_empty(), "empty validation message for {key:?}");
    }
    let _ = validators::parse_python_int(&value);
});
