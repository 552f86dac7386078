package dnsmock

import "strings"

// nameIndex holds every name that exists in a Resolver's maps (the keys,
// normalised, and every name above them: empty non-terminals), so that
// deciding NXDOMAIN is one map look-up instead of a scan of every key. It
// is built at the first lookup and rebuilt when the size of a map changes
// (the maps are to be filled before the first lookup; the sizes catch
// additions made later anyway).
type nameIndex struct {
	sizes [6]int
	names map[string]struct{}
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
	idx := &nameIndex{sizes: r.sizes(), names: map[string]struct{}{}}
	r.eachName(func(k string) {
		for {
			idx.names[k] = struct{}{}
			i := strings.IndexByte(k, '.')
			if i < 0 {
				return
			}
			k = k[i+1:]
		}
	})
	return idx
}

// exists reports whether the normalised name n, or a name below it, has
// an entry in a map.
func (idx *nameIndex) exists(n string) bool {
	_, ok := idx.names[n]
	return ok
}
