//! The protocol's argument limits (PROTOCOL.md §16), shared by the client,
//! which refuses a command at once, and the server, which answers `error`
//! 400.

/// The most entries in one history or conversation-list page.
pub const MAX_PAGE: u16 = 100;

/// The most users one request may name (invite, kick, mute, members, allow
/// list).
pub const MAX_USERS: usize = 100;

/// The longest group or room name, in characters.
pub const MAX_GROUP_NAME: usize = 128;

/// The longest thread name, in characters.
pub const MAX_THREAD_NAME: usize = 64;

/// Whether a page size is within 1 to [`MAX_PAGE`].
pub fn page_ok(limit: u16) -> bool {
    (1..=MAX_PAGE).contains(&limit)
}

/// Whether a list of `n` users is within 1 to [`MAX_USERS`].
pub fn users_ok(n: usize) -> bool {
    (1..=MAX_USERS).contains(&n)
}

/// Whether a name has 1 to `max` characters.
pub fn name_ok(name: &str, max: usize) -> bool {
    (1..=max).contains(&name.chars().count())
}
