//! Helpers shared by the unit tests.

/// A xorshift64 generator: repeatable pseudo-random numbers for the generated-input tests.
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// `frame` with one to three single-byte mutations (replace, insert, remove) from `alphabet`.
pub fn mutate(frame: &[u8], alphabet: &[u8], next: &mut impl FnMut() -> u64) -> Vec<u8> {
    let mut bytes = frame.to_vec();
    for _ in 0..1 + next() % 3 {
        let at = (next() % bytes.len() as u64) as usize;
        let b = alphabet[(next() % alphabet.len() as u64) as usize];
        match next() % 3 {
            0 => bytes[at] = b,
            1 => bytes.insert(at, b),
            _ => {
                bytes.remove(at);
            }
        }
    }
    bytes
}
