//! The CPU-heavy-API table: which calls compute for long on the thread that makes them,
//! why, and where to run them instead. Rows have the blocking table's shape
//! ([`BlockingApi`]); paths match only in full or through a `use` in view, methods only
//! where the scope imports their crate or trait.

use crate::blocking::catalogue as blocking;
use crate::blocking::{ApiPattern, BlockingApi, Origin, Shape};

/// A row of a path that only matches in full (or as a `use` in view resolves it): a bare
/// `hash` or a `bcrypt::hash` of the crate's own module is not bcrypt's.
macro_rules! full {
    ($canonical:literal, $why:expr, $instead:expr) => {
        only_full(blocking::path(
            $canonical,
            concat!("`", $canonical, "`"),
            false,
            $why,
            $instead,
        ))
    };
}

/// A path row matched only in full: no shortened path is enough.
const fn only_full(api: BlockingApi) -> BlockingApi {
    let ApiPattern::Path { canonical, .. } = api.pattern else {
        return api;
    };
    let pattern = ApiPattern::Path {
        canonical,
        min_written: usize::MAX,
        bare: false,
    };
    BlockingApi { pattern, ..api }
}

/// A method guessed by its name and argument count where the scope imports from one of
/// `crates` or imports one of `traits`.
#[allow(clippy::too_many_arguments)]
const fn imported_method(
    name: &'static str,
    arity: usize,
    crates: &'static [&'static str],
    traits: &'static [&'static str],
    owners: &'static [&'static str],
    what: &'static str,
    why: &'static str,
    instead: &'static str,
) -> BlockingApi {
    let shape = Shape::Imported {
        crates,
        traits,
        arity,
    };
    blocking::method(name, owners, owners[0], shape, what, why, instead)
}

/// A method of a whole-input codec ([`Origin::Codec`]).
const fn codec_method(
    name: &'static str,
    owners: &'static [&'static str],
    what: &'static str,
    why: &'static str,
) -> BlockingApi {
    let shape = Shape::OnOrigin(Origin::Codec);
    blocking::method(name, owners, owners[0], shape, what, why, OFFLOAD)
}

const OFFLOAD: &str = "run it off the executor: `tokio::task::spawn_blocking(move || ..).await`, \
    or `#[offload]` (`async_hygiene::offload`) on a sync fn that makes the call";
const OFFLOAD_IMAGES: &str = "run it off the executor: `tokio::task::spawn_blocking(move || \
    ..).await`, or `#[offload]` (`async_hygiene::offload`) on a sync fn that makes the call; \
    for many images, rayon (`par_iter`) inside that one blocking task";
const BCRYPT: &str = "hashes a password on the executor thread: bcrypt is slow by design, \
    about 250 ms of CPU at cost 12, and every task on this thread waits for it";
const BCRYPT_VERIFY: &str = "checks a password on the executor thread by hashing it again: \
    bcrypt is slow by design, about 250 ms of CPU at cost 12, and every task on this thread \
    waits for it";
const ARGON2: &str = "hashes with Argon2 on the executor thread: it is slow and memory-hard by \
    design (tens to hundreds of milliseconds at recommended parameters), and every task on \
    this thread waits for it";
const PASSWORD_HASH: &str = "hashes a password on the executor thread: password hashes \
    (Argon2, scrypt, PBKDF2) are slow by design, tens to hundreds of milliseconds, and every \
    task on this thread waits for it";
const SCRYPT: &str = "derives a key with scrypt on the executor thread: it is slow and \
    memory-hard by design (tens to hundreds of milliseconds at recommended parameters)";
const PBKDF2: &str = "derives a key with PBKDF2 on the executor thread: it runs `rounds` \
    HMAC iterations, hundreds of thousands at recommended settings, for tens to hundreds of \
    milliseconds";
const DECODES: &str = "decodes a whole image on the executor thread: milliseconds to seconds \
    of CPU, growing with its pixels";
const RESIZES: &str = "resamples a whole image on the executor thread: milliseconds to seconds \
    of CPU, growing with its pixels and the filter";
const ENCODES: &str = "encodes a whole image on the executor thread: milliseconds to seconds of \
    CPU, growing with its pixels";
const COMPRESSES: &str = "runs a compression codec over a whole input on the executor thread: \
    its CPU time grows with the input, milliseconds per megabyte and far more at high levels";

const IMAGE: &[&str] = &["image"];
const CODECS: &[&str] = &["flate2", "brotli"];
const PASSWORD_CRATES: &[&str] = &["argon2", "scrypt", "pbkdf2", "password_hash"];
const PASSWORD_TRAITS: &[&str] = &["PasswordHasher", "PasswordVerifier"];

/// The built-in table, in matching order. Cheap digests (SHA-2, BLAKE3, MD5 over a
/// buffer) are not in it: they run at hundreds of megabytes a second.
#[rustfmt::skip]
pub const BUILTIN: &[BlockingApi] = &[
    // password hashing and key derivation
    full!("bcrypt::hash", BCRYPT, OFFLOAD),
    full!("bcrypt::hash_with_result", BCRYPT, OFFLOAD),
    full!("bcrypt::hash_with_salt", BCRYPT, OFFLOAD),
    full!("bcrypt::verify", BCRYPT_VERIFY, OFFLOAD),
    full!("argon2::hash_encoded", ARGON2, OFFLOAD),
    full!("argon2::hash_raw", ARGON2, OFFLOAD),
    full!("argon2::verify_encoded", ARGON2, OFFLOAD),
    full!("argon2::verify_raw", ARGON2, OFFLOAD),
    imported_method("hash_password", 2, PASSWORD_CRATES, PASSWORD_TRAITS, &["password_hash::PasswordHasher", "argon2::Argon2"], "`.hash_password(..)` (`PasswordHasher::hash_password`)", PASSWORD_HASH, OFFLOAD),
    imported_method("verify_password", 2, PASSWORD_CRATES, PASSWORD_TRAITS, &["password_hash::PasswordVerifier", "argon2::Argon2"], "`.verify_password(..)` (`PasswordVerifier::verify_password`)", PASSWORD_HASH, OFFLOAD),
    imported_method("hash_password_into", 3, &["argon2"], &[], &["argon2::Argon2"], "`.hash_password_into(..)` (`argon2::Argon2::hash_password_into`)", ARGON2, OFFLOAD),
    full!("scrypt::scrypt", SCRYPT, OFFLOAD),
    full!("pbkdf2::pbkdf2", PBKDF2, OFFLOAD),
    full!("pbkdf2::pbkdf2_hmac", PBKDF2, OFFLOAD),
    full!("pbkdf2::pbkdf2_array", PBKDF2, OFFLOAD),
    full!("pbkdf2::pbkdf2_hmac_array", PBKDF2, OFFLOAD),
    full!("ring::pbkdf2::derive", PBKDF2, OFFLOAD),
    full!("ring::pbkdf2::verify", PBKDF2, OFFLOAD),
    // images
    full!("image::open", DECODES, OFFLOAD_IMAGES),
    full!("image::load", DECODES, OFFLOAD_IMAGES),
    full!("image::load_from_memory", DECODES, OFFLOAD_IMAGES),
    full!("image::load_from_memory_with_format", DECODES, OFFLOAD_IMAGES),
    full!("image::imageops::resize", RESIZES, OFFLOAD_IMAGES),
    full!("image::imageops::thumbnail", RESIZES, OFFLOAD_IMAGES),
    full!("image::save_buffer", ENCODES, OFFLOAD_IMAGES),
    full!("image::save_buffer_with_format", ENCODES, OFFLOAD_IMAGES),
    imported_method("resize", 3, IMAGE, &[], &["image::DynamicImage"], "`.resize(..)` (`image::DynamicImage::resize`)", RESIZES, OFFLOAD_IMAGES),
    imported_method("resize_exact", 3, IMAGE, &[], &["image::DynamicImage"], "`.resize_exact(..)` (`image::DynamicImage::resize_exact`)", RESIZES, OFFLOAD_IMAGES),
    imported_method("resize_to_fill", 3, IMAGE, &[], &["image::DynamicImage"], "`.resize_to_fill(..)` (`image::DynamicImage::resize_to_fill`)", RESIZES, OFFLOAD_IMAGES),
    imported_method("thumbnail", 2, IMAGE, &[], &["image::DynamicImage"], "`.thumbnail(..)` (`image::DynamicImage::thumbnail`)", RESIZES, OFFLOAD_IMAGES),
    imported_method("thumbnail_exact", 2, IMAGE, &[], &["image::DynamicImage"], "`.thumbnail_exact(..)` (`image::DynamicImage::thumbnail_exact`)", RESIZES, OFFLOAD_IMAGES),
    imported_method("write_to", 2, IMAGE, &[], &["image::DynamicImage"], "`.write_to(..)` (`image::DynamicImage::write_to`)", ENCODES, OFFLOAD_IMAGES),
    // whole-buffer compression
    full!("zstd::encode_all", COMPRESSES, OFFLOAD),
    full!("zstd::decode_all", COMPRESSES, OFFLOAD),
    full!("zstd::stream::encode_all", COMPRESSES, OFFLOAD),
    full!("zstd::stream::decode_all", COMPRESSES, OFFLOAD),
    full!("zstd::bulk::compress", COMPRESSES, OFFLOAD),
    full!("zstd::bulk::decompress", COMPRESSES, OFFLOAD),
    full!("zstd::bulk::compress_to_buffer", COMPRESSES, OFFLOAD),
    full!("zstd::bulk::decompress_to_buffer", COMPRESSES, OFFLOAD),
    full!("brotli::BrotliCompress", COMPRESSES, OFFLOAD),
    full!("brotli::BrotliDecompress", COMPRESSES, OFFLOAD),
    full!("miniz_oxide::deflate::compress_to_vec", COMPRESSES, OFFLOAD),
    full!("miniz_oxide::inflate::decompress_to_vec", COMPRESSES, OFFLOAD),
    codec_method("read_to_end", CODECS, "`.read_to_end(..)` on a flate2/brotli codec", COMPRESSES),
    codec_method("read_to_string", CODECS, "`.read_to_string(..)` on a flate2/brotli codec", COMPRESSES),
    codec_method("write_all", CODECS, "`.write_all(..)` into a flate2/brotli encoder", COMPRESSES),
    codec_method("decode", &["image::ImageReader"], "`.decode()` of an `image::ImageReader`", DECODES),
];
