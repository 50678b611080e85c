package jobs

import "errors"

// ErrMismatches is returned by a run that finished but found differences
// between our numbers and PortOne's; `settle` exits 3 on it.
var ErrMismatches = errors.New("finished with reconciliation mismatches")
