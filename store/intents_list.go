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
