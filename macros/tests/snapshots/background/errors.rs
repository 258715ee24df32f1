// Every problem at once, then the item as written.
#[background(limit = 0, colour = 2)]
#[bounded(2)]
unsafe fn f(&self, name: &str) {}
