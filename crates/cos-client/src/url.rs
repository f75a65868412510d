//! Wire paths and query strings.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Every byte but `A-Z a-z 0-9 - _ . ~` is escaped (protocol §2.3).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
/// As [`COMPONENT`], keeping `/` as the path separator.
const PATH: &AsciiSet = &COMPONENT.remove(b'/');

/// The wire path of an object key: `/` + the key, percent-encoded.
///
/// A key with a `.` or `..` segment has all its slashes escaped too, so no HTTP layer
/// (URL parsers resolve dot segments) can turn `a/../b` into `b`; COS decodes the path
/// back to the same key.
pub(crate) fn object_path(key: &str) -> String {
    let has_dot_segment = key.split('/').any(|segment| segment == "." || segment == "..");
    let set = if has_dot_segment { COMPONENT } else { PATH };
    let mut path = String::with_capacity(key.len() + 1);
    path.push('/');
    path.extend(utf8_percent_encode(key, set));
    path
}

/// A query string: `name=value` pairs joined by `&`, a bare `name` for valueless markers.
pub(crate) fn encode_query(query: &[(&'static str, Option<String>)]) -> String {
    let mut out = String::new();
    for (index, (name, value)) in query.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        out.extend(utf8_percent_encode(name, COMPONENT));
        if let Some(value) = value {
            out.push('=');
            out.extend(utf8_percent_encode(value, COMPONENT));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_keep_slashes_but_not_dot_segments() {
        assert_eq!(object_path("dir/a b+c.txt"), "/dir/a%20b%2Bc.txt");
        assert_eq!(object_path("exampleobject(腾讯云)"), "/exampleobject%28%E8%85%BE%E8%AE%AF%E4%BA%91%29");
        assert_eq!(object_path("a/../b"), "/a%2F..%2Fb");
        assert_eq!(object_path("a..b/c"), "/a..b/c");
    }

    #[test]
    fn query_encodes_values_and_bare_markers() {
        let query = vec![("uploads", None), ("prefix", Some("a/b c".to_owned()))];
        assert_eq!(encode_query(&query), "uploads&prefix=a%2Fb%20c");
    }
}
