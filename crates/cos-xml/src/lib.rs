//! cos-xml placeholder
