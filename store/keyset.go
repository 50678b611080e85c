package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Looking up a batch's keys. Naming each key in the SQL text ((a = ? AND b
// IN (…)) OR …, keysIn) makes SQLite parse a statement of hundreds of
// parameters and build a multi-index OR per query: 3–6 ms per 200 keys,
// a third of an import's time. Instead the keys travel as one JSON array
// parameter and are joined to the table through its unique index
// (json_each on SQLite, jsonb_array_elements on PostgreSQL): one short
// statement per keySetChunk keys, ~0.4 ms per 200 on SQLite.

// keySetChunk is how many keys one key-set query carries.
const keySetChunk = 5000

// keySetJoin is the FROM clause joining the JSON array of keys (the
// statement's first parameter) to table t on cols.
func keySetJoin(db *gorm.DB, table string, cols []string) string {
	var b strings.Builder
	pg := db.Dialector.Name() == "postgres"
	if pg {
		b.WriteString("jsonb_array_elements(CAST(? AS jsonb)) k JOIN ")
	} else {
		b.WriteString("json_each(?) k JOIN ")
	}
	b.WriteString(table + " t ON ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(" AND ")
		}
		if pg {
			b.WriteString("t." + c + " = k->>" + strconv.Itoa(i))
		} else {
			b.WriteString("t." + c + " = k.value->>" + strconv.Itoa(i))
		}
	}
	return b.String()
}

// keySetJSON is keys[i] of n columns as the JSON array of arrays a
// key-set query takes.
func keySetJSON(n int, keys []rowKey) (string, error) {
	vals := make([][]string, len(keys))
	for i := range keys {
		vals[i] = keys[i][:n]
	}
	b, err := json.Marshal(vals)
	return string(b), err
}

// lookupKeySet is lookupKeys through a key set.
func lookupKeySet(tx *gorm.DB, table string, keyCols []string, hashCol string, keys []rowKey) (map[rowKey]storedKey, error) {
	found := make(map[rowKey]storedKey, len(keys))
	sel := "SELECT t.id, t." + hashCol
	for _, c := range keyCols {
		sel += ", t." + c
	}
	q := sel + " FROM " + keySetJoin(tx, table, keyCols)
	for i := 0; i < len(keys); i += keySetChunk {
		js, err := keySetJSON(len(keyCols), keys[i:min(i+keySetChunk, len(keys))])
		if err != nil {
			return nil, err
		}
		rows, err := tx.Session(&gorm.Session{NewDB: true}).Raw(q, js).Rows()
		if err := scanKeys(rows, err, len(keyCols), found); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// scanKeys reads rows of (id, hash, key columns…) into found and closes
// rows; err is the error of the query that made them.
func scanKeys(rows *sql.Rows, err error, ncols int, found map[rowKey]storedKey) error {
	if err != nil {
		return err
	}
	for rows.Next() {
		var e storedKey
		var k rowKey
		dest := []any{&e.id, &e.hash}
		for c := range ncols {
			dest = append(dest, &k[c])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		found[k] = e
	}
	return errors.Join(rows.Err(), rows.Close())
}
