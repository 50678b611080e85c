package store

import (
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// instant is a time.Time column. On SQLite it is stored as fixed-width UTC
// RFC 3339 text (so text order is time order and the column has TEXT, not
// NUMERIC, affinity); on PostgreSQL as timestamptz. The zero instant is NULL.
type instant struct{ time.Time }

const instantLayout = "2006-01-02T15:04:05.000000Z"

func at(t time.Time) instant { return instant{t.UTC()} }

// Value implements driver.Valuer.
func (t instant) Value() (driver.Value, error) {
	if t.IsZero() {
		return nil, nil
	}
	return t.UTC().Format(instantLayout), nil
}

// Scan implements sql.Scanner.
func (t *instant) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = x.UTC()
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	default:
		return fmt.Errorf("scan instant from %T", v)
	}
	return nil
}

func (t *instant) parse(s string) error {
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil { // written by another client in SQLite's own layout
		v, err = time.Parse("2006-01-02 15:04:05.999999999-07:00", s)
	}
	if err != nil {
		return fmt.Errorf("scan instant %q: %w", s, err)
	}
	t.Time = v.UTC()
	return nil
}

// day is a settlement.Date column: TEXT `yyyy-MM-dd`, ” for no date.
type day settlement.Date

func (d day) date() settlement.Date { return settlement.Date(d) }

// Value implements driver.Valuer.
func (d day) Value() (driver.Value, error) { return settlement.Date(d).String(), nil }

// Scan implements sql.Scanner.
func (d *day) Scan(v any) error {
	var s string
	switch x := v.(type) {
	case nil:
	case string:
		s = x
	case []byte:
		s = string(x)
	case time.Time: // a driver that typed the column as a date
		*d = day(settlement.DateOf(x, time.UTC))
		return nil
	default:
		return fmt.Errorf("scan date from %T", v)
	}
	var dt settlement.Date
	if err := dt.UnmarshalText([]byte(s)); err != nil {
		return fmt.Errorf("scan date: %w", err)
	}
	*d = day(dt)
	return nil
}

// amountCols are the a_* columns of an amount block, in AmountFields order.
// They are derived from settlement.AmountFields, so a field added there is
// written and read everywhere a block is, and TestSchemaHasEveryAmountField
// demands a migration for its column.
var amountCols = func() []string {
	cols := make([]string, len(settlement.AmountFields))
	for i, f := range settlement.AmountFields {
		cols[i] = "a_" + snake(f.Name)
	}
	return cols
}()

// snake turns PortOne's camelCase field name into a column name.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// amountList returns the a_* columns with an optional table prefix, comma separated.
func amountList(prefix string) string {
	var b strings.Builder
	for i, c := range amountCols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix)
		b.WriteString(c)
	}
	return b.String()
}

// amountValues appends the fields of a in column order.
func amountValues(dst []any, a *settlement.Amounts) []any {
	for _, f := range settlement.AmountFields {
		dst = append(dst, int64(*f.Get(a)))
	}
	return dst
}

// amountDests appends scan destinations for the fields of a in column order.
func amountDests(dst []any, a *settlement.Amounts) []any {
	for _, f := range settlement.AmountFields {
		dst = append(dst, (*int64)(f.Get(a)))
	}
	return dst
}

func sha(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func wonPtr(p *int64) *settlement.Won {
	if p == nil {
		return nil
	}
	w := settlement.Won(*p)
	return &w
}

func int64Ptr(p *settlement.Won) *int64 {
	if p == nil {
		return nil
	}
	v := int64(*p)
	return &v
}

// keysIn selects rows whose composite key is among keys, as an OR of
// `(a = ? AND … AND z IN (…))`, one term for each prefix of the key with
// the last column's values of that prefix: every term is answered by
// exact probes of the unique index, one per key. (A row-value IN makes
// SQLite scan the whole index; `a IN (…) AND b IN (…)` probes the cross
// product, every partner times every payment.) Callers match the rows to
// their keys.
func keysIn(cols []string, keys [][]any) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		if len(keys) == 0 {
			return db.Where("1 = 0")
		}
		last := len(cols) - 1
		type group struct {
			prefix []any
			vals   []any
		}
		var groups []*group
		byPrefix := map[string]*group{}
		for _, k := range keys {
			id := fmt.Sprintf("%q", k[:last])
			g := byPrefix[id]
			if g == nil {
				g = &group{prefix: k[:last]}
				byPrefix[id] = g
				groups = append(groups, g)
			}
			g.vals = append(g.vals, k[last])
		}
		var b strings.Builder
		args := make([]any, 0, len(groups)*len(cols))
		for n, g := range groups {
			if n > 0 {
				b.WriteString(" OR ")
			}
			b.WriteByte('(')
			for c := range last {
				b.WriteString(cols[c])
				b.WriteString(" = ? AND ")
				args = append(args, g.prefix[c])
			}
			b.WriteString(cols[last])
			b.WriteString(" IN ?)")
			args = append(args, g.vals)
		}
		return db.Where(b.String(), args...)
	}
}
