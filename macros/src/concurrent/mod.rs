//! `#[concurrent]`: rewrites independent sequential awaits of an async fn into joins
//! along their data dependencies.
//!
//! entry (`expand` here: checks, markers) → the plan of each block, from the shared
//! analysis (`async_hygiene_analysis::concurrent::BlockPlan`: use/def facts, why each
//! statement stays, name resolution, the dependency graph of each run of movable `let`s,
//! renames of shadowed bindings, the schedule) → emit (`emit`: renames, then nested calls
//! of the runtime's `concurrent_join*`/`concurrent_try_join*`).

mod emit;

#[cfg(test)]
mod snapshots;

use async_hygiene_analysis::shape::{self, Classified, FnShape};
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::visit_mut::VisitMut;

use async_hygiene_analysis::concurrent::{Borrows, Guards};
use async_hygiene_analysis::policy::LoadedPolicy;

use self::emit::{BlockRewriter, MarkerStripper};
use crate::arguments::no_arguments;
use crate::errors::{with_errors, Errors};
use crate::policy_file;

const USAGE: &str = "`#[concurrent]` takes no arguments: write `#[concurrent]` on an `async fn`, \
     and `#[concurrent::barrier]` on a statement that must keep its place";

/// `#[concurrent]`'s arguments: none.
struct ConcurrentArgs;

impl Parse for ConcurrentArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        no_arguments(input, USAGE)?;
        Ok(Self)
    }
}

/// Input: `#[concurrent] async fn f(…) -> R { body }`.
/// Output: the same signature; the body with every run of movable `let`s replaced by
/// joins (see `emit.rs`), passed through the watchdog hook. On any error: the errors,
/// and the function as written (markers removed) so the crate still type-checks.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_with_policy(args, item, policy_file::load().as_ref())
}

/// [`expand`] with the crate's `async-hygiene.toml` as found: its `[concurrent.guards]`
/// stay in place; the file is tracked (`T` below), even when malformed.
///
/// Input:  `async fn f() { body }`
/// Output: `async fn f() { T; rewritten body }`, inside the watchdog hook
/// (`policy_file::track_in_fn`).
fn expand_with_policy(
    args: TokenStream,
    item: TokenStream,
    loaded: Option<&LoadedPolicy>,
) -> TokenStream {
    let function = match shape::classify(&item) {
        Classified::Fn(function, _) => *function,
        // A syntax error inside a fn: let rustc report it on the tokens as written.
        Classified::FnWithInvalidBody => return item,
        Classified::NotAFn(error) => {
            if let Ok(declaration) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
                if declaration.default.is_none() {
                    let error = syn::Error::new_spanned(
                        &declaration.sig.ident,
                        "`#[concurrent]` rewrites a function body, and this declaration has \
                         none: put the attribute on the implementations",
                    );
                    return with_errors(&error, item);
                }
            }
            let error = syn::Error::new(
                error.span(),
                "`#[concurrent]` applies to an `async fn` with a body",
            );
            return with_errors(&error, item);
        }
    };
    let mut file_errors = Vec::new();
    let guards = loaded
        .and_then(|loaded| policy_file::policy(loaded, &mut file_errors))
        .map_or(&[][..], |policy| policy.guards.as_slice());
    let tracking = loaded.and_then(|loaded| policy_file::tracking_item(&loaded.path));
    match rewrite(args, function.clone(), Guards::new(guards), file_errors) {
        Ok(mut rewritten) => {
            let body = crate::watchdog_hook::instrument_body(&rewritten.sig, *rewritten.block);
            rewritten.block = Box::new(body);
            if let Some(tracking) = &tracking {
                policy_file::track_in_fn(&rewritten.sig, &mut rewritten.block, tracking);
            }
            rewritten.into_token_stream()
        }
        Err(error) => {
            let mut original = function;
            let mut stripper = MarkerStripper {
                misplaced: Vec::new(),
                statements_too: true,
            };
            stripper.visit_block_mut(&mut original.block);
            if let Some(tracking) = tracking {
                original.block.stmts.insert(0, syn::Stmt::Item(tracking));
            }
            with_errors(&error, original)
        }
    }
}

/// The checks and the rewrite, without the watchdog hook (the snapshots show this).
/// `file_errors`: what is wrong with the crate's policy file.
fn rewrite(
    args: TokenStream,
    mut function: syn::ItemFn,
    guards: Guards<'_>,
    file_errors: Vec<syn::Error>,
) -> syn::Result<syn::ItemFn> {
    // Another of our attributes above this one already wrapped the body for the watchdog.
    function.block = Box::new(crate::watchdog_hook::plain_body(*function.block));
    let mut errors = Errors::default();
    errors.extend(file_errors);
    if let Err(error) = syn::parse2::<ConcurrentArgs>(args) {
        errors.push(error);
    }
    if let Some(constness) = &function.sig.constness {
        errors.push(syn::Error::new_spanned(
            constness,
            "`#[concurrent]` cannot apply to a `const fn`: it joins awaits of an `async fn`",
        ));
    } else if shape::fn_shape(&function.sig, &function.block) == FnShape::Sync
        && !shape::is_test_case_wrapper(&function)
    {
        // Every other shape holds async code: an `async fn`, or a sync fn holding the async
        // body, as after `#[async_trait]` or `#[tokio::test]` ran first. A test macro's
        // case wrapper has no await to join and is emitted as it is.
        errors.push(syn::Error::new_spanned(
            function.sig.fn_token,
            "`#[concurrent]` joins the awaits of an `async fn`, and this function is not \
             `async` (nor does it contain an `async` block)",
        ));
    }
    // Misplaced markers first: the rewrite moves statements into join branches.
    let mut stripper = MarkerStripper {
        misplaced: Vec::new(),
        statements_too: false,
    };
    stripper.visit_block_mut(&mut function.block);
    errors.extend(stripper.misplaced);
    let borrows = Borrows::of_fn(&function.sig, &function.block);
    let mut rewriter = BlockRewriter {
        borrows: &borrows,
        guards,
        errors: Vec::new(),
    };
    rewriter.visit_block_mut(&mut function.block);
    errors.extend(rewriter.errors);
    errors.finish(function)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    #[test]
    fn items_that_only_mention_fn_are_rejected_and_kept() {
        for item in [
            quote!(
                type Loader = fn() -> u8;
            ),
            quote!(
                static LOADER: fn() = load;
            ),
            quote!(
                pub const PICK: fn(u8) -> u8 = |x| x;
            ),
        ] {
            let out = super::expand(quote!(), item.clone()).to_string();
            assert!(
                out.contains("`#[concurrent]` applies to an `async fn` with a body"),
                "{out}"
            );
            assert!(out.ends_with(&item.to_string()), "{out}");
        }
    }

    #[test]
    fn the_crate_file_names_guards_and_is_tracked() {
        use async_hygiene_analysis::policy;

        let dir = std::env::temp_dir().join(format!("concurrent_guards_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let item = quote! {
            async fn next(rx: &mut Receiver<u32>, pool: &Pool) -> (Option<u32>, Conn) {
                let m = rx.recv().await;
                let c = pool.checkout().await;
                (m, c)
            }
        };
        let expand = |text: Option<&str>| {
            if let Some(text) = text {
                std::fs::write(dir.join(policy::FILE_NAME), text).expect("write policy");
            }
            let loaded = text.and_then(|_| policy::load_from(&dir));
            super::expand_with_policy(quote!(), item.clone(), loaded.as_ref()).to_string()
        };
        let joined = expand(None);
        assert!(joined.contains("concurrent_join"), "{joined}");
        assert!(!joined.contains("include_bytes"), "{joined}");

        let kept = expand(Some(
            "[concurrent.guards]\n\".checkout\" = \"a pooled connection\"\n",
        ));
        assert!(!kept.contains("concurrent_join"), "{kept}");
        let tracked = format!(
            "include_bytes ! ({:?})",
            dir.join(policy::FILE_NAME).display().to_string()
        );
        assert!(kept.contains(&tracked), "{kept}");

        // A malformed file: one error naming the file and the line, the fn as written,
        // still tracked so that fixing the file rebuilds the crate.
        let malformed = expand(Some("[concurrent.guards]\n\".checkout\" = \"\"\n"));
        assert!(
            malformed.contains("malformed async-hygiene.toml")
                && malformed.contains("async-hygiene.toml:2: the reason for `.checkout` is empty"),
            "{malformed}"
        );
        assert!(!malformed.contains("concurrent_join"), "{malformed}");
        assert!(malformed.contains(&tracked), "{malformed}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn a_test_macros_case_wrapper_is_emitted_as_it_is() {
        // rstest 0.26's case of `#[tokio::test] #[apply(template)] #[concurrent] async fn`
        // (hatoo/oha): the test is already sync, and the case only calls it.
        let case = quote! {
            #[::core::prelude::v1::test]
            fn case_1() {
                let http_version_param = "1.1";
                test_setting_body(http_version_param)
            }
        };
        assert_eq!(
            super::expand(quote!(), case.clone()).to_string(),
            case.to_string()
        );
        // Written by hand without the test attribute, it is still an error.
        let sync = quote!(
            fn case_1() {
                test_setting_body("1.1")
            }
        );
        assert!(super::expand(quote!(), sync)
            .to_string()
            .contains("this function is not `async`"));
    }

    #[test]
    fn a_fn_whose_body_does_not_parse_is_left_to_rustc() {
        let item: proc_macro2::TokenStream = "async fn f() { let = ; }".parse().unwrap_or_default();
        assert_eq!(
            super::expand(quote!(), item.clone()).to_string(),
            item.to_string()
        );
    }
}
