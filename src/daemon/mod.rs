//! Glue (see mod docs once written).
