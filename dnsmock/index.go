package dnsmock

import "strings"

// nameIndex holds every name that exists in a Resolver's maps (the keys,
// normalised, and every name above them: empty non-terminals), so that
// deciding that a name exists is one map look-up instead of a scan of
// every key. It is built at the first lookup and rebuilt when the size of a
// map changes. Because the maps are exported and may be changed between
// lookups in ways that keep their sizes, the index is only a hint: a hit is
// confirmed by checking that the key it came from is still stored, and a
// miss (NXDOMAIN) is confirmed by a scan of every key.
type nameIndex struct {
	sizes [6]int
	names map[string]witness
}

// witness is one stored key that makes a name exist.
type witness struct {
	kind int
	key  string
}

func (r *Resolver) sizes() [6]int {
	return [6]int{len(r.TXT), len(r.MX), len(r.A), len(r.AAAA), len(r.CNAME), len(r.PTR)}
}

// logAndIndex logs the query and returns the current index.
func (r *Resolver) logAndIndex(typ, name string) *nameIndex {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries = append(r.queries, Query{Type: typ, Name: name})
	if r.index == nil || r.index.sizes != r.sizes() {
		r.index = r.buildIndex()
	}
	return r.index
}

func (r *Resolver) buildIndex() *nameIndex {
	idx := &nameIndex{sizes: r.sizes(), names: map[string]witness{}}
	r.eachName(func(k string, kind int, key string) {
		w := witness{kind, key}
		for {
			idx.names[k] = w
			i := strings.IndexByte(k, '.')
			if i < 0 {
				return
			}
			k = k[i+1:]
		}
	})
	return idx
}

// lookup reports what the index says about the normalised name n: whether
// n, or a name below it, has an entry in a map, and the key that says so.
func (idx *nameIndex) lookup(n string) (witness, bool) {
	w, ok := idx.names[n]
	return w, ok
}

// nameExists reports whether the normalised name n, or a name below it,
// has an entry in a map, using idx as a hint (see nameIndex). When the
// hint turns out stale, the index is dropped so that the next lookup
// rebuilds it.
func (r *Resolver) nameExists(idx *nameIndex, n string) bool {
	w, ok := idx.lookup(n)
	if ok && r.hasKey(w.kind, w.key) {
		return true
	}
	found := r.exists(n)
	if ok || found {
		r.mu.Lock()
		if r.index == idx {
			r.index = nil
		}
		r.mu.Unlock()
	}
	return found
}
