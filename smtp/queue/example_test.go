package queue_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/smtp"
	"github.com/yubinmail/yubin/smtp/queue"
)

func Example() {
	dir, _ := os.MkdirTemp("", "queue-example")
	defer os.RemoveAll(dir)
	store, err := queue.NewFileStore(dir)
	if err != nil {
		panic(err)
	}
	q, err := queue.New(&queue.Options{
		Store:    store,
		Hostname: "mta.example.test",
		// A stand-in for smtp.Deliver, which would look up MX records.
		Deliver: func(ctx context.Context, env *envelope.Envelope, msg io.ReaderAt, size int64) []smtp.Outcome {
			out := make([]smtp.Outcome, len(env.Rcpts))
			for i, r := range env.Rcpts {
				out[i] = smtp.Outcome{Rcpt: r, Status: smtp.Delivered, Code: 250}
				fmt.Println("delivered to", r.Path.Mailbox(), "-", size, "bytes")
			}
			return out
		},
	})
	if err != nil {
		panic(err)
	}
	env, _ := smtp.NewEnvelope("alice@example.test", "bob@example.org")
	if _, err := q.Enqueue(context.Background(), env, strings.NewReader("Subject: hi\r\n\r\nHello\r\n")); err != nil {
		panic(err)
	}
	q.Flush(context.Background()) // Run would do this in the background
	fmt.Println("left in the queue:", len(q.Items()))
	// Output:
	// delivered to bob@example.org - 22 bytes
	// left in the queue: 0
}
