//! The seeded source of request ids.

use crate::ids::RequestId;

/// Request ids from a seed and a counter: `r` followed by 16 hex digits of a
/// SplitMix64 mix of both, so the same seed gives the same ids and different
/// seeds give unrelated ones.
#[derive(Clone, Debug)]
pub(crate) struct RequestIds {
    seed: u64,
    pub(crate) counter: u64,
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RequestIds {
    pub(crate) fn new(seed: u64) -> Self {
        RequestIds { seed, counter: 0 }
    }

    pub(crate) fn next_id(&mut self) -> RequestId {
        self.counter += 1;
        let v = splitmix64(splitmix64(self.seed) ^ self.counter);
        RequestId::minted(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_ids_and_no_repeats() {
        let mut a = RequestIds::new(1);
        let mut b = RequestIds::new(1);
        let mut c = RequestIds::new(2);
        let ids: Vec<RequestId> = (0..1000).map(|_| a.next_id()).collect();
        assert_eq!(ids, (0..1000).map(|_| b.next_id()).collect::<Vec<_>>());
        assert_ne!(ids[0], c.next_id());
        let unique: std::collections::BTreeSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), 1000);
    }
}
