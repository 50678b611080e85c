package store

import (
	"context"
	"fmt"

	"github.com/settle-dev/settle/settlement"
)

// IntentsOn calls fn for each transfer intent of business date d, a page at
// a time in id order (reconciliation lists the ones PortOne never confirmed).
func (s *Store) IntentsOn(ctx context.Context, d settlement.Date, fn func(*Intent) error) error {
	load := func(rows []intentRow) ([]Intent, error) {
		ins := make([]Intent, len(rows))
		for i := range rows {
			ins[i] = rows[i].intent()
		}
		return ins, nil
	}
	q := s.w(ctx).Where("business_date = ?", day(d))
	return walk(ctx, fmt.Sprintf("intents of %s", d), byID[intentRow](q), load, fn)
}

// UnfinishedIntents calls fn for each intent of business date d that is
// neither posted nor adopted (pending, failed, conflict), in id order,
// from a partial index holding only those: reconciliation reads the few
// PortOne never confirmed without reading the night's million that it did.
func (s *Store) UnfinishedIntents(ctx context.Context, d settlement.Date, fn func(*Intent) error) error {
	load := func(rows []intentRow) ([]Intent, error) {
		ins := make([]Intent, len(rows))
		for i := range rows {
			ins[i] = rows[i].intent()
		}
		return ins, nil
	}
	// The predicate is spelt as the index's, literals included, so that
	// SQLite sees the index applies.
	q := s.w(ctx).Where("status NOT IN ('posted', 'adopted') AND business_date = ?", day(d))
	return walk(ctx, fmt.Sprintf("unfinished intents of %s", d), byID[intentRow](q), load, fn)
}
