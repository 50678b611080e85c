package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestRowSpoolHandsOutGroupsInKeyOrder: whatever its budget (every row
// its own chunk, a few chunks, all in memory), a rowSpool hands out its
// rows by group in the byte order of the keys and, within a group, in the
// order they were added, each row's values as the driver gave them.
func TestRowSpoolHandsOutGroupsInKeyOrder(t *testing.T) {
	keys := []string{"p-b\x1f2025-10-03", "p-a\x1f2025-10-04", "p-b\x1f2025-10-02", "p-a\x1f2025-10-03", "p-ab\x1f2025-10-01", "파트너\x1f2025-10-01"}
	type row struct {
		key  string
		vals []any
	}
	var in []row
	for i := range 500 {
		vals := []any{int64(i), fmt.Sprintf("text %d, 상품", i), nil, []byte{byte(i), 0, 0x1f}, float64(i) / 4, int64(-i << 40)}
		if i%7 == 0 {
			vals[1], vals[3] = "", []byte{}
		}
		in = append(in, row{keys[(i*i+i/3)%len(keys)], vals})
	}
	want := slices.Clone(in)
	slices.SortStableFunc(want, func(a, b row) int { return strings.Compare(a.key, b.key) })

	for _, budget := range []int{1, 4 << 10, 1 << 30} {
		t.Run(fmt.Sprintf("budget %d", budget), func(t *testing.T) {
			sp := newRowSpool(budget)
			defer sp.close()
			for _, r := range in {
				if err := sp.addRow(r.key, r.vals); err != nil {
					t.Fatal(err)
				}
			}
			if (sp.file != nil) != (budget < 1<<20) {
				t.Errorf("temporary file %v with budget %d", sp.file != nil, budget)
			}
			var got []row
			err := sp.each(context.Background(), func(r rowScanner) error {
				vals := make([]any, 6)
				dest := make([]any, 6)
				for i := range dest {
					dest[i] = &vals[i]
				}
				if err := r.Scan(dest...); err != nil {
					return err
				}
				got = append(got, row{vals: vals})
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i].vals, want[i].vals) {
					t.Fatalf("row %d = %#v, want %#v (key %q)", i, got[i].vals, want[i].vals, want[i].key)
				}
			}
		})
	}
}

// TestRowSpoolScansLikeDatabaseSQL: a spooled row reads into the
// destinations the report read models use as database/sql reads the
// driver's values, a NULL into sql.RawBytes as nil, and a row fn does not
// read is skipped; a destination it cannot fill is an error, never a
// silent zero.
func TestRowSpoolScansLikeDatabaseSQL(t *testing.T) {
	sp := newRowSpool(1 << 20)
	defer sp.close()
	for _, r := range [][]any{
		{int64(7), "a\x1fb", nil, "2025-10-01T00:00:00.000000Z", nil},
		{int64(8), "", "x", "2025-10-02T00:00:00.000000Z", int64(3)}, // skipped by fn
		{int64(9), "c", "y", nil, int64(4)},
	} {
		if err := sp.addRow("k", r); err != nil {
			t.Fatal(err)
		}
	}
	var (
		id   int64
		raw  sql.RawBytes
		name sql.NullString
		at   instant
		n    sql.NullInt64
		got  []string
	)
	i := 0
	err := sp.each(context.Background(), func(r rowScanner) error {
		i++
		if i == 2 {
			return nil
		}
		if err := r.Scan(&id, &raw, &name, &at, &n); err != nil {
			return err
		}
		got = append(got, fmt.Sprintf("%d %q nil=%v %v %v %s %v", id, raw, raw == nil, name, n, at.Format("01-02"), at.IsZero()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`7 "a\x1fb" nil=false { false} {0 false} 10-01 false`,
		`9 "c" nil=false {y true} {4 true} 01-01 true`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	var s string
	var k int64
	err = sp.each(context.Background(), func(r rowScanner) error { return r.Scan(&k, &s, &s, &s, &k) })
	if err == nil || !strings.Contains(err.Error(), "<nil> into *string") {
		t.Errorf("NULL into *string: %v, want an error", err)
	}
}

// TestRowSpoolStopsOnCancel: each looks for a cancel before every row.
func TestRowSpoolStopsOnCancel(t *testing.T) {
	sp := newRowSpool(16)
	defer sp.close()
	for i := range 10 {
		if err := sp.addRow(fmt.Sprint(i%2), []any{int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	err := sp.each(ctx, func(rowScanner) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("%d rows, %v; want 1 and context.Canceled", n, err)
	}
}

// TestRowSpoolArenaGrowsToTheBudgetAtOnce: past 1 MiB the arena of a
// spool grows to its budget in one step, not in append's steps of a
// quarter, each of which copied the chunk into fresh memory; and it is
// reused chunk after chunk.
func TestRowSpoolArenaGrowsToTheBudgetAtOnce(t *testing.T) {
	sp := newRowSpool(8 << 20)
	defer sp.close()
	row := []any{int64(1), strings.Repeat("x", 300), nil}
	grew := 0
	for i := range 100_000 { // about 30 MB: four chunks
		c := cap(sp.arena)
		if err := sp.addRow(fmt.Sprint(i%7), row); err != nil {
			t.Fatal(err)
		}
		if cap(sp.arena) != c {
			grew++
		}
	}
	if sp.size == 0 {
		t.Fatal("no chunk was written to the file")
	}
	if grew > 6 || cap(sp.arena) > 8<<20+8<<10 {
		t.Errorf("arena grew %d times to %d bytes, want at most 6 times to the budget", grew, cap(sp.arena))
	}
}
