//! `keepalived.conf` → a typed, validated, fixed-capacity [`Config`].
//!
//! Layers: `lexer` (tokens with file:line:col spans, quotes, comments, includes, `$NAME`
//! definitions, `@id` conditionals) → `parser` (keyword tables per block) → `validate`
//! (keepalived 2.2.7's load-time rules and cross-checks) → [`Config`]. Diagnostics are
//! collected, all of them, and printed as `FILE:LINE:COL: error|warning: message`.

pub mod model;

pub use model::*;
