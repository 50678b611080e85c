package store

import (
	"context"
	"fmt"

	"github.com/settle-dev/settle/settlement"
)

// IntentsOn calls fn for each transfer intent of business date d, a page at
// a time in id order (reconciliation lists the ones PortOne never confirmed).
func (s *Store) IntentsOn(ctx context.Context, d settlement.Date, fn func(*Intent) error) error {
	var after int64
	for {
		var rows []intentRow
		if err := s.w(ctx).Where("business_date = ? AND id > ?", day(d), after).Order("id").Limit(pageSize).Find(&rows).Error; err != nil {
			return fmt.Errorf("store: intents of %s: %w", d, err)
		}
		if len(rows) == 0 {
			return nil
		}
		for i := range rows {
			in := rows[i].intent()
			if err := fn(&in); err != nil {
				return err
			}
		}
		after = rows[len(rows)-1].ID
	}
}
