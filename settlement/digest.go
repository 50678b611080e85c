package settlement

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
)

// CompareDigest is a fingerprint of everything Compare reads of t: the two
// dates, the amount block and its formula results, and each line's product
// id, quantity, amounts and formula results, lines in order. It lets a
// store compare a night of our transfers with PortOne's answers as two
// short columns instead of every amount of every line:
//
//   - equal digests mean Compare(ours, theirs) finds nothing (short of a
//     SHA-256 collision);
//   - different digests mean only "compare them": Compare matches lines by
//     product, so the same lines in another order still agree.
//
// What Compare does not read (ids, the kind, discounts and fees, names)
// is left out, so a difference there never costs a comparison.
func (t *Transfer) CompareDigest() string {
	b := make([]byte, 0, 64+len(t.Lines)*(8*len(AmountFields)+32))
	b = appendDate(b, t.SettlementDate)
	b = appendDate(b, t.SettlementStartDate)
	b = appendBlock(b, &t.Amounts, t.UserDefined)
	b = binary.AppendUvarint(b, uint64(len(t.Lines)))
	for i := range t.Lines {
		l := &t.Lines[i]
		b = appendString(b, l.Product.ID)
		b = binary.AppendVarint(b, l.Quantity)
		b = appendBlock(b, &l.Amounts, l.UserDefined)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func appendDate(b []byte, d Date) []byte {
	b = binary.AppendVarint(b, int64(d.Year))
	b = binary.AppendVarint(b, int64(d.Month))
	return binary.AppendVarint(b, int64(d.Day))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendBlock writes every amount field and the formula results sorted by
// name, present keys only (Compare tells a result of 0 from none).
func appendBlock(b []byte, a *Amounts, user map[string]Won) []byte {
	for _, f := range AmountFields {
		b = binary.AppendVarint(b, int64(*f.Get(a)))
	}
	b = binary.AppendUvarint(b, uint64(len(user)))
	keys := make([]string, 0, len(user))
	for k := range user {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = appendString(b, k)
		b = binary.AppendVarint(b, int64(user[k]))
	}
	return b
}
