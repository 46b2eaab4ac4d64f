//! Parser placeholder: replaced by the platform parser.

use super::{Parsed, Version};
use crate::report::Interface;

pub fn interfaces(_text: &str) -> Parsed<Vec<Interface>> {
    Parsed::default()
}

pub fn version(_text: &str) -> Parsed<Version> {
    Parsed::default()
}
