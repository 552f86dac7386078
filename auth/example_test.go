package auth_test

import (
	"context"
	"fmt"

	"github.com/yubinmail/yubin/auth"
)

// A SCRAM-SHA-256 exchange between this package's client and server, as a
// protocol would relay it. The server stores only the derived secret.
func Example() {
	store := auth.NewMemoryStore()
	if err := store.SetPassword("alice", "correct horse", 4096); err != nil {
		panic(err)
	}
	srvOpts := &auth.ServerOptions{Credentials: store}
	cliOpts := &auth.ClientOptions{Username: "alice", Password: "correct horse"}

	offered := auth.ServerMechanisms(srvOpts) // no TLS: no PLAIN, LOGIN or -PLUS
	fmt.Println("offered:", offered)
	mech, err := auth.ChooseMechanism(offered, cliOpts)
	if err != nil {
		panic(err)
	}
	fmt.Println("chosen:", mech)

	client, _ := auth.NewClient(mech, cliOpts)
	server, _ := auth.NewServer(mech, srvOpts)
	ctx := context.Background()
	resp, _ := client.Start()
	for {
		chal, done, err := server.Next(ctx, resp)
		if err != nil {
			fmt.Println("server:", err)
			return
		}
		if resp, err = client.Next(chal); err != nil {
			fmt.Println("client:", err)
			return
		}
		if done {
			break
		}
	}
	fmt.Println("server signature ok:", client.Finish() == nil)
	fmt.Println("user:", server.Identity().User())
	// Output:
	// offered: [SCRAM-SHA-256 SCRAM-SHA-1]
	// chosen: SCRAM-SHA-256
	// server signature ok: true
	// user: alice
}

// Decoding the lines of "AUTH PLAIN" in SMTP.
func ExampleDecodeInitialResponse() {
	ir, err := auth.DecodeInitialResponse("AHRpbQB0YW5zdGFhZnRhbnN0YWFm", 0)
	fmt.Printf("%q %v\n", ir, err)
	ir, err = auth.DecodeInitialResponse("=", 0)
	fmt.Printf("%q %v\n", ir, err)
	_, err = auth.DecodeResponse("*", 0)
	fmt.Println(err)
	// Output:
	// "\x00tim\x00tanstaaftanstaaf" <nil>
	// "" <nil>
	// auth: exchange canceled by client
}

// Storing a SCRAM secret instead of a password.
func ExampleDeriveSCRAMSecret() {
	sec, err := auth.DeriveSCRAMSecret(auth.SCRAMSHA256, "pencil", []byte("fixed salt for the example"), 4096)
	if err != nil {
		panic(err)
	}
	enc := sec.String()
	back, err := auth.ParseSCRAMSecret(enc)
	fmt.Println(enc[:len("SCRAM-SHA-256$4096:")], err == nil, back.CheckPassword("pencil"), back.CheckPassword("pencil2"))
	// Output:
	// SCRAM-SHA-256$4096: true true false
}
