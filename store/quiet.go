package store

import "context"

// quiet is ctx without its cancellation, for the driver calls of the
// settle run's hot paths (the pages of unsettled orders, the save of a
// page of settlements). go-sqlite3 runs every step of a statement whose
// context can be cancelled on a goroutine of its own, with a channel and a
// select, so that it can interrupt it: for the hundreds of thousands of
// rows of a night that was a goroutine and two thread hand-offs per row
// read or returned, more system time than SQLite's own work. The callers
// keep the run cancellable at the boundaries that matter: a walk checks
// the real context between pages, and a save checks it before it commits
// (a cancelled run commits nothing more). A statement already running
// finishes; none of these takes more than a fraction of a second.
func quiet(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
