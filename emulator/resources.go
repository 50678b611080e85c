package emulator

import (
	"net/http"
)

// Contracts, discount-share policies and additional-fee policies are served
// alike: create, get, list, update (re-validated through the create
// mapping), archive and recover. A kind holds what differs between them;
// the handlers below are the rest. Partners differ (their own validation,
// batch create, partial update) and keep their own handlers in partners.go.

// record is a stored contract or policy.
type record[T any] struct {
	v         T // as the settlement engine sees it
	memo      string
	archived  bool
	appliedAt string
}

// table keeps the records of one kind in one environment, by id and in
// creation order. Its zero value is empty and ready.
type table[T any] struct {
	byID map[string]*record[T]
	ids  []string
}

func (t *table[T]) add(id string, r *record[T]) {
	if t.byID == nil {
		t.byID = map[string]*record[T]{}
	}
	t.byID[id] = r
	t.ids = append(t.ids, id)
}

// kind describes one kind of object: T is its settlement value, In its
// create body (PortOne's Create…Body), W its wire form.
type kind[T, In, W any] struct {
	key      string // of the object in create, update and archive responses
	noun     string // in error messages
	idPrefix string // of ids the server chooses
	// Error types: unknown id, id taken on create, update of an archived object.
	notFound, exists, archived string

	table func(*env) *table[T]
	id    func(*T) *string
	// inputID is the id a create body asks for, "" to let the server choose.
	inputID func(In) string
	// build validates a create body: the object and its memo.
	build func(In) (T, string, error)
	// input is a record as a create body, for an update to patch and build again.
	input func(*record[T]) In
	wire  func(r *record[T], test bool) W
	// filter returns a list filter for parseList to decode into, and the
	// test of a record against it.
	filter func() (any, func(*record[T]) bool)
	// patch returns an update body to decode into, and the function that
	// applies it to a create body.
	patch func() (any, func(*In))
}

// add creates an object from a create body in e; callers hold s.mu.
func (k *kind[T, In, W]) add(s *Server, e *env, in In) (*record[T], *apiError) {
	t := k.table(e)
	if id := k.inputID(in); id != "" && t.byID[id] != nil {
		return nil, newAPIError(http.StatusConflict, k.exists, k.noun+" id already exists: "+id)
	}
	v, memo, err := k.build(in)
	if err != nil {
		return nil, fromSettlement(err)
	}
	id := k.id(&v)
	if *id == "" {
		*id = s.nextID(k.idPrefix)
	}
	rec := &record[T]{v: v, memo: memo, appliedAt: s.stamp()}
	t.add(*id, rec)
	e.changedTerms()
	return rec, nil
}

// lookup returns the record the path names, or answers 404 and returns nil.
func (k *kind[T, In, W]) lookup(w http.ResponseWriter, r *http.Request, e *env) *record[T] {
	rec := k.table(e).byID[pathID(r)]
	if rec == nil {
		writeErr(w, notFound(k.notFound, k.noun+" not found"))
	}
	return rec
}

func (k *kind[T, In, W]) create(s *Server) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		var in In
		test, ok := readBody(w, r, body, &in)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		rec, aerr := k.add(s, s.env(test), in)
		if aerr != nil {
			writeErr(w, aerr)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{k.key: k.wire(rec, test)})
	}
}

func (k *kind[T, In, W]) get(s *Server) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		test, aerr := testMode(r, nil)
		if aerr != nil {
			writeErr(w, aerr)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if rec := k.lookup(w, r, s.env(test)); rec != nil {
			writeJSON(w, http.StatusOK, k.wire(rec, test))
		}
	}
}

func (k *kind[T, In, W]) list(s *Server) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		f, match := k.filter()
		serveList(s, w, r, body, f, func(e *env, test bool) []W {
			t := k.table(e)
			var items []W
			for _, id := range t.ids {
				if rec := t.byID[id]; match(rec) {
					items = append(items, k.wire(rec, test))
				}
			}
			return items
		})
	}
}

func (k *kind[T, In, W]) update(s *Server) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		patch, apply := k.patch()
		test, ok := readBody(w, r, body, patch)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		rec := k.lookup(w, r, s.env(test))
		if rec == nil {
			return
		}
		if rec.archived {
			writeErr(w, newAPIError(http.StatusConflict, k.archived, k.noun+" is archived"))
			return
		}
		// Re-validate the whole object through the create mapping; the
		// create body keeps the id.
		in := k.input(rec)
		apply(&in)
		v, memo, err := k.build(in)
		if err != nil {
			writeErr(w, fromSettlement(err))
			return
		}
		rec.v, rec.memo, rec.appliedAt = v, memo, s.stamp()
		s.env(test).changedTerms()
		writeJSON(w, http.StatusOK, map[string]any{k.key: k.wire(rec, test)})
	}
}

// archive serves archive (true) and recover (false).
func (k *kind[T, In, W]) archive(s *Server, archive bool) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		test, aerr := testMode(r, nil)
		if aerr != nil {
			writeErr(w, aerr)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if rec := k.lookup(w, r, s.env(test)); rec != nil {
			rec.archived = archive
			s.env(test).changedTerms()
			writeJSON(w, http.StatusOK, map[string]any{k.key: k.wire(rec, test)})
		}
	}
}

// serveList answers a list request of partners, contracts or policies:
// filter is decoded from the request, and items (called under s.mu)
// returns the matching objects of the environment in order, to page.
func serveList[W any](s *Server, w http.ResponseWriter, r *http.Request, body []byte, filter any, items func(e *env, test bool) []W) {
	lr, aerr := parseList(r, body, filter)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	test, aerr := testMode(r, listBody(r, body))
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	page, info, aerr := paginate(items(s.env(test), test), lr.Page, s.opts.DefaultPageSize)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, listResponse[W]{Items: page, Page: info})
}
