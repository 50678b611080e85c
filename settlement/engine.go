package settlement

// PLACEHOLDER — the engine lands in the next commits; these are its signatures.

// SettleOrder validates o against t and computes its order transfer.
func SettleOrder(o Order, t Terms) (Transfer, error) { panic("settlement: engine not yet written") }

// Book is one order transfer and what its cancellations have taken back so
// far. It is a value of the domain, not a store: callers rebuild it from the
// order and its accepted cancellations (NewBook then Cancel for each).
type Book struct {
	terms Terms
	order Order
	orig  Transfer
}

// NewBook settles o and returns the book that tracks its cancellations.
func NewBook(o Order, t Terms) (*Book, error) { panic("settlement: engine not yet written") }

// Order returns the order transfer the book started from.
func (b *Book) Order() Transfer { return b.orig }

// Cancel validates c against what remains and returns its cancel transfer;
// on success the book records it.
func (b *Book) Cancel(c Cancellation) (Transfer, error) { panic("settlement: engine not yet written") }

// Remaining is the order block less everything cancelled so far.
func (b *Book) Remaining() Amounts { panic("settlement: engine not yet written") }
