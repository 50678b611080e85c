package settlement

import (
	"reflect"
	"testing"
)

// TestAddCoversEveryField: Add and Sub are written out field by field; a
// field added to Amounts (and AmountFields) but not to them fails here.
func TestAddCoversEveryField(t *testing.T) {
	for i, f := range AmountFields {
		var a, b Amounts
		*f.Get(&a), *f.Get(&b) = Won(100+i), Won(7)
		sum, diff := must(t)(a.Add(b)), must(t)(a.Sub(b))
		if got := *f.Get(&sum); got != Won(107+i) {
			t.Errorf("Add: %s = %d, want %d", f.Name, got, 107+i)
		}
		if got := *f.Get(&diff); got != Won(93+i) {
			t.Errorf("Sub: %s = %d, want %d", f.Name, got, 93+i)
		}
		*f.Get(&sum), *f.Get(&diff) = 0, 0
		if !sum.IsZero() || !diff.IsZero() {
			t.Errorf("Add or Sub touched a field other than %s", f.Name)
		}
	}
	if n, want := len(AmountFields), reflect.TypeOf(Amounts{}).NumField(); n != want {
		t.Errorf("AmountFields lists %d fields; Amounts has %d", n, want)
	}
}
