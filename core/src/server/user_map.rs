//! Maps keyed by user id (users, their online connections, their send
//! counts): hashed, so that a lookup costs one hash and one comparison
//! however many users the server holds (a B-tree compares ids down its
//! depth: with 2,000 users online, those comparisons were a quarter of a
//! send's instructions).
//!
//! The hash is aHash (the `ahash` crate, without its random seeding) under
//! a key derived from the server's secret: ids crafted to collide need the
//! key, and the key is derived, not drawn, so the same inputs give the same
//! outputs. (SipHash-1-3 under the same key made a two-user send 16 %
//! dearer, against 7 %.) No output depends on a map's order: a checkpoint
//! writes its users sorted by id, as the B-tree it replaced did.

use super::token;
use crate::ids::UserId;
use hmac::Mac;
use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::BuildHasher;

/// The keyed hasher of the server's user maps.
#[derive(Clone, Debug)]
pub(crate) struct UserHash {
    keys: [u64; 4],
    state: ahash::RandomState,
}

impl UserHash {
    fn with_keys(keys: [u64; 4]) -> Self {
        let [a, b, c, d] = keys;
        UserHash {
            keys,
            state: ahash::RandomState::with_seeds(a, b, c, d),
        }
    }

    /// The hasher keyed by the server's `secret` (through HMAC-SHA256, so
    /// the key says nothing of the secret).
    pub(crate) fn from_secret(secret: &[u8]) -> Self {
        let bytes = token::mac(secret, "natter user map key")
            .finalize()
            .into_bytes();
        let word = |at: usize| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(word)
        };
        UserHash::with_keys([word(0), word(8), word(16), word(24)])
    }
}

/// Hashers are the same when their keys are.
impl PartialEq for UserHash {
    fn eq(&self, other: &Self) -> bool {
        self.keys == other.keys
    }
}

impl Eq for UserHash {}

/// The all-zero key: a map read from a checkpoint has it until
/// [`rekey`]ed.
impl Default for UserHash {
    fn default() -> Self {
        UserHash::with_keys([0; 4])
    }
}

impl BuildHasher for UserHash {
    type Hasher = ahash::AHasher;

    fn build_hasher(&self) -> ahash::AHasher {
        self.state.build_hasher()
    }
}

/// A map keyed by user id.
pub(crate) type UserMap<V> = HashMap<UserId, V, UserHash>;

/// An empty map hashed by `hash`.
pub(crate) fn new<V>(hash: UserHash) -> UserMap<V> {
    HashMap::with_hasher(hash)
}

/// `map` hashed by `hash` from now on (a map read from a checkpoint is
/// built with the default key).
pub(crate) fn rekey<V>(map: &mut UserMap<V>, hash: UserHash) {
    if *map.hasher() != hash {
        let old = std::mem::replace(map, HashMap::with_capacity_and_hasher(map.len(), hash));
        map.extend(old);
    }
}

/// Writes `map` sorted by user id: the JSON object a B-tree map writes.
pub(crate) fn serialize_sorted<V: Serialize, S: Serializer>(
    map: &UserMap<V>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<(&UserId, &V)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    s.collect_map(entries)
}

/// Reads a map written by [`serialize_sorted`], with the default key
/// until [`rekey`]ed.
pub(crate) fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<UserMap<V>, D::Error> {
    HashMap::<UserId, V, UserHash>::deserialize(d)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::hash::BuildHasher;

    fn user(name: &str) -> UserId {
        UserId::new(name).unwrap()
    }

    #[test]
    fn the_key_comes_from_the_secret_and_only_from_it() {
        let a = UserHash::from_secret(b"one");
        assert_eq!(a, UserHash::from_secret(b"one"));
        assert_ne!(a, UserHash::from_secret(b"two"));
        assert_ne!(a, UserHash::default());
        let id = user("alice");
        assert_eq!(a.hash_one(&id), UserHash::from_secret(b"one").hash_one(&id));
        assert_ne!(a.hash_one(&id), UserHash::from_secret(b"two").hash_one(&id));
    }

    #[test]
    fn a_map_is_written_sorted_and_read_back_under_its_key() {
        let hash = UserHash::from_secret(b"s");
        let mut map = new(hash.clone());
        for (name, n) in [("carol", 3), ("alice", 1), ("bob", 2)] {
            map.insert(user(name), n);
        }
        let mut json = Vec::new();
        serialize_sorted(&map, &mut serde_json::Serializer::new(&mut json)).unwrap();
        assert_eq!(json, br#"{"alice":1,"bob":2,"carol":3}"#);
        let mut read: UserMap<u32> =
            deserialize(&mut serde_json::Deserializer::from_slice(&json)).unwrap();
        assert_eq!(*read.hasher(), UserHash::default());
        rekey(&mut read, hash.clone());
        assert_eq!(*read.hasher(), hash);
        assert_eq!(read, map);
        assert_eq!(read.get(&user("bob")), Some(&2));
    }
}
