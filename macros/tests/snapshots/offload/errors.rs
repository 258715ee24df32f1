// Every problem at once, then the item as written (kept `async` so callers' `.await`s
// still type-check where the signature allows it).
#[offload(threads = 2)]
async unsafe fn f(&self, path: &Path) {}

#[offload]
fn hash(path: &Path) -> u64 {
    0
}
