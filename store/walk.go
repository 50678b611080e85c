package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// pageSize is how many rows a walk reads at a time.
const pageSize = 500

// walk calls fn for each record of a query too large to load at once,
// reading it a page of rows at a time until a page comes back empty.
// after(last) is the query for the rows that follow last, the previous
// page's last row (nil for the first page), in walk order; load turns a
// page of rows into its records. Errors from the query and from load are
// returned as "<what>: ..."; an error from fn, or ctx's error between
// pages, stops the walk and is returned as is.
func walk[R, T any](ctx context.Context, what string, after func(last *R) *gorm.DB, load func([]R) ([]T, error), fn func(*T) error) error {
	return walkPages(ctx, what, pageSize, after, load, func(recs []T) error {
		for i := range recs {
			if err := fn(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// walkPages is walk a page of size records at a time: fn gets each page.
func walkPages[R, T any](ctx context.Context, what string, size int, after func(last *R) *gorm.DB, load func([]R) ([]T, error), fn func([]T) error) error {
	var last *R
	for {
		var rows []R
		if err := after(last).Limit(size).Find(&rows).Error; err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if len(rows) == 0 {
			return nil
		}
		recs, err := load(rows)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := fn(recs); err != nil {
			return err
		}
		last = &rows[len(rows)-1]
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// idRow is a row with an id column, walked in id order.
type idRow interface{ rowID() int64 }

func (r orderRow) rowID() int64           { return r.ID }
func (r intentRow) rowID() int64          { return r.ID }
func (r portoneTransferRow) rowID() int64 { return r.ID }

// byID pages q's rows in id order: the after function of walk.
func byID[R idRow](q *gorm.DB) func(last *R) *gorm.DB {
	return func(last *R) *gorm.DB {
		var id int64
		if last != nil {
			id = (*last).rowID()
		}
		return q.Session(&gorm.Session{}).Where("id > ?", id).Order("id")
	}
}
