package dnsclient

import (
	"container/list"
	"sync"
	"time"
)

type cacheKey struct {
	name  string // lower-case FQDN
	qtype uint16
}

type cacheItem struct {
	key     cacheKey
	e       *entry
	expires time.Time
}

// cache is a bounded LRU of answers, each kept until its TTL runs out.
type cache struct {
	mu     sync.Mutex
	max    int
	maxTTL time.Duration
	maxNeg time.Duration
	lru    *list.List // front: most recently used; values are *cacheItem
	items  map[cacheKey]*list.Element
}

func newCache(max int, maxTTL, maxNeg time.Duration) *cache {
	return &cache{max: max, maxTTL: maxTTL, maxNeg: maxNeg,
		lru: list.New(), items: make(map[cacheKey]*list.Element)}
}

func (c *cache) get(k cacheKey, now time.Time) (*entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	it := el.Value.(*cacheItem)
	if !now.Before(it.expires) {
		c.lru.Remove(el)
		delete(c.items, k)
		return nil, false
	}
	c.lru.MoveToFront(el)
	return it.e, true
}

func (c *cache) put(k cacheKey, e *entry, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		it := el.Value.(*cacheItem)
		it.e, it.expires = e, expires
		c.lru.MoveToFront(el)
		return
	}
	for c.lru.Len() >= c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.items, old.Value.(*cacheItem).key)
	}
	c.items[k] = c.lru.PushFront(&cacheItem{key: k, e: e, expires: expires})
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
