//! Wire paths and query strings, with `cos_sign::encode` (the encoder signing uses too).

/// The wire path of an object key: `/` + the key, percent-encoded, dot segments protected.
pub(crate) fn object_path(key: &str) -> String {
    cos_sign::encode::path(key)
}

/// A query string: `name=value` pairs joined by `&`, a bare `name` for valueless markers.
pub(crate) fn encode_query(query: &[(&'static str, Option<String>)]) -> String {
    let mut out = String::new();
    for (index, (name, value)) in query.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        cos_sign::encode::push_query_component(&mut out, name);
        if let Some(value) = value {
            out.push('=');
            cos_sign::encode::push_query_component(&mut out, value);
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
        assert_eq!(object_path("a/../b"), "/a/..%2Fb");
    }

    #[test]
    fn query_encodes_values_and_bare_markers() {
        let query = vec![("uploads", None), ("prefix", Some("a/b c".to_owned()))];
        assert_eq!(encode_query(&query), "uploads&prefix=a%2Fb%20c");
    }
}
