//! The reading rules one at a time, on small hand-written bodies.

use cos_xml::{FieldName, parse_error};

fn message(body: &str) -> Option<String> {
    parse_error(body.as_bytes())
        .unwrap_or_else(|_| panic!("not read: {body}"))
        .message()
        .map(str::to_owned)
}

#[test]
fn spaces_inside_a_field_are_content_wherever_they_stand() {
    // After an entity, a comment, a CDATA section and a nested element.
    assert_eq!(
        message("<Error><Message>a &amp; b</Message></Error>").as_deref(),
        Some("a & b")
    );
    assert_eq!(
        message("<Error><Message>a<!-- c --> b</Message></Error>").as_deref(),
        Some("a b")
    );
    assert_eq!(
        message("<Error><Message><![CDATA[a]]> b</Message></Error>").as_deref(),
        Some("a b")
    );
    assert_eq!(
        message("<Error><Message>x <b>y</b> z</Message></Error>").as_deref(),
        Some("x y z")
    );
    assert_eq!(
        message("<Error><Message>&#65; &#x42;</Message></Error>").as_deref(),
        Some("A B")
    );
}

#[test]
fn only_the_ends_of_a_value_are_trimmed() {
    let body = "<Error>\r\n\t<Code>\r\n  NoSuchKey \t</Code>\n  <Message>  two  words  </Message>\n</Error>";
    let parsed = parse_error(body.as_bytes()).unwrap();
    assert_eq!(parsed.code(), Some("NoSuchKey"));
    assert_eq!(parsed.message(), Some("two  words"));
    // A non-breaking space is content, not XML whitespace.
    assert_eq!(
        message("<Error><Message>\u{a0}x\u{a0}</Message></Error>").as_deref(),
        Some("\u{a0}x\u{a0}")
    );
}

#[test]
fn entities_are_decoded_and_never_expanded() {
    let parsed = parse_error(
        b"<!DOCTYPE Error [<!ENTITY e 'EXPANDED'>]><Error><Code>&e;</Code>\
          <Message>&lt;&gt;&amp;&apos;&quot; &unknown; &#xD800;</Message></Error>",
    )
    .unwrap();
    assert_eq!(parsed.code(), Some("&e;"));
    assert_eq!(parsed.message(), Some("<>&'\" &unknown; &#xD800;"));
}

#[test]
fn empty_and_self_closed_elements_are_absent() {
    let parsed = parse_error(b"<Error/>").unwrap();
    assert_eq!(parsed.code(), None);
    assert!(!parsed.is_malformed());

    let parsed =
        parse_error(b"<Error><Code/><Code>  </Code><Code>Late</Code><Extra/></Error>").unwrap();
    assert_eq!(
        parsed.code(),
        Some("Late"),
        "an empty element does not claim the field"
    );
    assert_eq!(parsed.others()[0].name(), "Extra");
    assert_eq!(parsed.others()[0].value().as_str(), "");
}

#[test]
fn names_match_without_case_or_prefix() {
    let parsed = parse_error(
        b"<s3:ERROR xmlns:s3='x'><s3:code>C</s3:code><REQUESTID>R</REQUESTID><hostid>H</hostid></s3:ERROR>",
    )
    .unwrap();
    assert_eq!(parsed.code(), Some("C"));
    assert_eq!(parsed.request_id(), Some("R"));
    assert_eq!(
        parsed.field(FieldName::HostId).map(|f| f.as_str()),
        Some("H")
    );
}

#[test]
fn text_before_the_root_makes_it_no_error_document() {
    assert!(parse_error(b"oops <Error><Code>C</Code></Error>").is_err());
    assert!(parse_error(b"  \r\n <Error><Code>C</Code></Error>").is_ok());
    assert!(parse_error(b"<Errors><Code>C</Code></Errors>").is_err());
}

#[test]
fn trailing_bytes_after_the_root_are_ignored() {
    let parsed = parse_error(b"<Error><Code>C</Code></Error>\0\0 garbage <").unwrap();
    assert_eq!(parsed.code(), Some("C"));
    assert!(!parsed.is_malformed());
}
