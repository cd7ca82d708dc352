use crate::{Error, Result};

/// A platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// Unique name.
    pub name: String,
    /// Disabled platforms are hidden from, and refused to, non-admins.
    pub disabled: bool,
}

/// One built version of a platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformVersion {
    /// Version number, from 1.
    pub version: i64,
    /// Image names of that version.
    pub images: Vec<String>,
}

/// tsuru's text for an unknown platform.
pub const INVALID_PLATFORM: &str = "Invalid platform";

/// tsuru's text when removing or updating a platform that does not exist.
pub const PLATFORM_NOT_FOUND: &str = "Platform doesn't exist.";

/// tsuru's text for a platform name already taken.
pub const DUPLICATE_PLATFORM: &str = "Duplicate platform";

/// A platform name that is not a valid one (400).
pub const INVALID_PLATFORM_NAME: &str = "Invalid platform name, should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter.";

/// Parses a rollback target: `3`, `v3`, or an image name tagged `v3`/`3`.
///
/// # Errors
/// 400 `invalid image version "<x>"`.
pub fn parse_image_version(image: &str) -> Result<i64> {
    let tag = match image.rsplit_once(':') {
        Some((_, tag)) => tag,
        None => image,
    };
    tag.strip_prefix('v')
        .unwrap_or(tag)
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| Error::bad_request(format!("invalid image version {image:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_versions() {
        assert_eq!(parse_image_version("3").unwrap(), 3);
        assert_eq!(parse_image_version("v3").unwrap(), 3);
        assert_eq!(parse_image_version("tsuru/python:v12").unwrap(), 12);
        assert!(parse_image_version("tsuru/python:latest").is_err());
        assert!(parse_image_version("v0").is_err());
    }
}

crate::records::named!(Platform, name, DUPLICATE_PLATFORM, PLATFORM_NOT_FOUND);
