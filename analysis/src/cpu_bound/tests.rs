//! The `cpu-bound` catalogue through the blocking scan: what is reported in a module's
//! scope (imports in view), what is not, and the policy.

use quote::quote;

use super::{apply, catalogue};
use crate::blocking::{scan_block, BlockingCatalogue, Context, Imports};
use crate::findings::Lint;
use crate::policy;

/// The messages of the findings in the async fn of `file` (its last item), with the
/// file's imports in view.
fn check_in(catalogue: &BlockingCatalogue, file: proc_macro2::TokenStream) -> Vec<String> {
    let file: syn::File = syn::parse2(file).expect("test input is a file");
    let imports = Imports::module(&file.items);
    let Some(syn::Item::Fn(function)) = file.items.last() else {
        panic!("the last item is a fn")
    };
    let mut imports = imports.clone();
    imports.add_signature(&function.sig);
    let context = if function.sig.asyncness.is_some() {
        Context::Async
    } else {
        Context::Sync
    };
    let findings = scan_block(&function.block, context, catalogue, &imports);
    assert!(findings
        .iter()
        .all(|finding| finding.lint == Lint::CpuBound));
    findings
        .iter()
        .map(|finding| finding.message.clone())
        .collect()
}

fn check(file: proc_macro2::TokenStream) -> Vec<String> {
    check_in(&catalogue(), file)
}

#[track_caller]
fn assert_reports(file: proc_macro2::TokenStream, what: &str) {
    let found = check(file);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with(what), "{found:#?}");
}

#[track_caller]
fn assert_quiet(file: proc_macro2::TokenStream) {
    let found = check(file);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn password_hashes_by_full_or_imported_path() {
    assert_reports(
        quote!(
            async fn f(p: String) {
                let h = bcrypt::hash(p, 12).unwrap();
            }
        ),
        "`bcrypt::hash` hashes a password",
    );
    assert_reports(
        quote!(
            use bcrypt::{hash, verify};
            async fn f(p: String, h: String) {
                verify(p, &h);
            }
        ),
        "`bcrypt::verify`",
    );
    assert_reports(
        quote!(
            use scrypt::scrypt as derive;
            async fn f() {
                derive(a, b, &p, &mut out);
            }
        ),
        "`scrypt::scrypt`",
    );
    assert_reports(
        quote!(
            async fn f() {
                pbkdf2::pbkdf2_hmac::<Sha256>(pw, salt, 600_000, &mut key);
            }
        ),
        "`pbkdf2::pbkdf2_hmac` derives a key with PBKDF2",
    );
}

#[test]
fn a_bare_name_is_never_a_library_fn() {
    // The crate's own `hash`, or one out of sight: not bcrypt's.
    assert_quiet(quote!(
        fn hash(p: &str) -> u64 {
            0
        }
        async fn f(p: String) {
            hash(&p);
        }
    ));
    assert_quiet(quote!(
        async fn f(p: String) {
            hash(p, 12);
        }
    ));
    assert_quiet(quote!(
        use crate::util::hash;
        async fn f(p: String) {
            hash(p, 12);
        }
    ));
}

#[test]
fn methods_are_guessed_only_with_their_crate_or_trait_imported() {
    let argon = quote!(
        use argon2::{Argon2, PasswordHasher};
        async fn f(p: String) {
            let h = Argon2::default().hash_password(p.as_bytes(), &salt);
        }
    );
    assert_reports(argon, "`.hash_password(..)`");
    assert_reports(
        quote!(
            use password_hash::PasswordVerifier;
            async fn f() {
                a.verify_password(p, &h);
            }
        ),
        "`.verify_password(..)`",
    );
    assert_quiet(quote!(
        async fn f(p: String) {
            users.hash_password(p.as_bytes(), &salt);
        }
    ));
    // A future of the crate's own is awaited.
    assert_quiet(quote!(
        use argon2::Argon2;
        async fn f() {
            auth.verify_password(p, h).await;
        }
    ));
    assert_reports(
        quote!(
            use image::DynamicImage;
            async fn f(i: DynamicImage) {
                i.resize(64, 64, F);
            }
        ),
        "`.resize(..)`",
    );
    assert_quiet(quote!(
        async fn f(mut v: Vec<u8>) {
            v.resize(64, 0);
            img.resize(1, 2, f);
        }
    ));
    assert_quiet(quote!(
        use image::DynamicImage;
        async fn f(mut v: Vec<u8>) {
            v.resize(64, 0);
        }
    ));
}

#[test]
fn whole_buffer_codecs() {
    assert_reports(
        quote!(
            async fn f(b: Vec<u8>) {
                let z = zstd::encode_all(&b[..], 3);
            }
        ),
        "`zstd::encode_all`",
    );
    assert_reports(
        quote!(
            use zstd::bulk;
            async fn f(b: Vec<u8>) {
                let z = bulk::compress(&b, 3);
            }
        ),
        "`zstd::bulk::compress`",
    );
    let flate = quote!(
        use flate2::read::GzDecoder;
        async fn f(b: Vec<u8>) {
            let mut d = GzDecoder::new(&b[..]);
            let mut out = Vec::new();
            d.read_to_end(&mut out).unwrap();
        }
    );
    assert_reports(flate, "`.read_to_end(..)` on a flate2/brotli codec");
    assert_reports(
        quote!(
            use image::ImageReader;
            async fn f(p: P) {
                ImageReader::open(p)?.decode();
            }
        ),
        "`.decode()` of an `image::ImageReader`",
    );
    assert_quiet(quote!(
        async fn f(b: B) {
            base64::decode(b);
            ImageReader::new(c).decode();
        }
    ));
    // A `GzDecoder` of the crate's own, or a plain reader.
    assert_quiet(quote!(
        async fn f(b: Vec<u8>) {
            GzDecoder::new(&b[..]).read_to_end(&mut o);
        }
    ));
    assert_quiet(quote!(
        async fn f(mut s: TcpStream) {
            s.read_to_end(&mut out).await;
        }
    ));
}

#[test]
fn cheap_digests_and_offloaded_work_are_quiet() {
    assert_quiet(quote!(
        async fn f(b: Vec<u8>) {
            let d = sha2::Sha256::digest(&b);
            blake3::hash(&b);
        }
    ));
    assert_quiet(quote!(
        async fn f(p: String) {
            let h = tokio::task::spawn_blocking(move || bcrypt::hash(p, 12)).await;
            let g = tokio::task::block_in_place(|| bcrypt::hash(q, 12));
            std::thread::spawn(move || zstd::encode_all(&b[..], 3));
        }
    ));
    // Pool wrappers: a `spawn_blocking_*` of the crate's own, actix-web's `web::block`.
    assert_quiet(quote!(
        async fn f(p: String) {
            spawn_blocking_with_tracing(move || bcrypt::hash(p, 12)).await;
            web::block(move || bcrypt::verify(&q, &h)).await;
        }
    ));
}

#[test]
fn the_policy_denies_and_allows() {
    let policy = policy::parse(
        "[cpu_bound.deny]\n\"crate::render::rasterize\" = \"render it on rayon\"\n\
         \".score_all\" = \"score in `#[offload]`\"\n\
         [cpu_bound.allow]\n\"bcrypt::hash\" = \"cost 4 in this test server\"\n\
         [no_blocking.offload]\n\"pool::run\" = \"runs on the pool\"\n",
    )
    .unwrap();
    let mut catalogue = catalogue();
    assert!(apply(&mut catalogue, &policy, "this crate's policy").is_empty());
    let found = check_in(
        &catalogue,
        quote!(
            use crate::render::rasterize;
            async fn f(p: String) {
                bcrypt::hash(&p, 4);
                rasterize(&page);
                model.score_all(&items);
                pool::run(move || bcrypt::verify(&p, &h));
            }
        ),
    );
    assert_eq!(
        found,
        [
            "`crate::render::rasterize` is denied by this crate's policy",
            "`.score_all(..)` is denied by this crate's policy"
        ]
    );
    let typo = policy::parse("[cpu_bound.allow]\n\"bcrypt::hsah\" = \"typo\"\n").unwrap();
    assert_eq!(apply(&mut super::catalogue(), &typo, "p").len(), 1);
    let unknown = policy::parse("[cpu_bound.offload]\n\"a\" = \"b\"\n").unwrap_err();
    assert!(unknown
        .message
        .contains("`cpu-bound` reads `[cpu_bound.deny]`"));
}
