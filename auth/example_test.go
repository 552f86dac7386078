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
	srvOpts := &auth.ServerOptions{AllowInsecure: true, Credentials: store}
	cliOpts := &auth.ClientOptions{Username: "alice", Password: "correct horse"}

	// No TLS here, so the server must opt in with AllowInsecure, and no -PLUS
	// variant is offered; the client still prefers SCRAM to PLAIN.
	offered := auth.ServerMechanisms(srvOpts)
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
	// offered: [SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN]
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

// Choosing what to send: the strongest mechanism the server offers that the
// connection allows. Without TLS, PLAIN is refused unless the caller opts in.
func ExampleChooseMechanism() {
	offered := []string{"PLAIN", "LOGIN", "CRAM-MD5"}
	m, err := auth.ChooseMechanism(offered, &auth.ClientOptions{Password: "pw"})
	fmt.Println(m, err)
	m, err = auth.ChooseMechanism([]string{"PLAIN", "LOGIN"}, &auth.ClientOptions{Password: "pw"})
	fmt.Println(m, err)
	m, err = auth.ChooseMechanism([]string{"PLAIN", "LOGIN"}, &auth.ClientOptions{Password: "pw", AllowInsecure: true})
	fmt.Println(m, err)
	// Output:
	// CRAM-MD5 <nil>
	//  auth: mechanism requires TLS
	// PLAIN <nil>
}

// Serving "AUTH LOGIN" in an SMTP server: the callback writes a 334 line
// and returns the client's answer (here scripted).
func ExampleServeExchange() {
	store := auth.NewMemoryStore()
	if err := store.SetPassword("alice", "wonderland", 0); err != nil {
		panic(err)
	}
	m, err := auth.NewServer("LOGIN", &auth.ServerOptions{Credentials: store, AllowInsecure: true})
	if err != nil {
		panic(err)
	}
	answers := []string{"YWxpY2U=", "d29uZGVybGFuZA=="}
	id, err := auth.ServeExchange(context.Background(), m, "", 0, func(challenge string) (string, error) {
		fmt.Println("S: 334 " + challenge)
		a := answers[0]
		answers = answers[1:]
		fmt.Println("C: " + a)
		return a, nil
	})
	fmt.Println(id.User(), err)
	// Output:
	// S: 334 VXNlcm5hbWU6
	// C: YWxpY2U=
	// S: 334 UGFzc3dvcmQ6
	// C: d29uZGVybGFuZA==
	// alice <nil>
}

// userFile is a Credentials backed by one stored SCRAM-SHA-256 secret per
// user, as an application would keep them in a file or a database column.
type userFile map[string]string

func (u userFile) secret(user string) (*auth.SCRAMSecret, error) {
	enc, ok := u[user]
	if !ok {
		return nil, auth.ErrAuthFailed
	}
	return auth.ParseSCRAMSecret(enc)
}

func (u userFile) CheckPassword(_ context.Context, user, password string) error {
	s, err := u.secret(user)
	if err != nil || !s.CheckPassword(password) {
		return auth.ErrAuthFailed
	}
	return nil
}

func (u userFile) LookupSecret(_ context.Context, user, mech string) (auth.Secret, error) {
	s, err := u.secret(user)
	if err != nil || s.Mechanism != mech {
		return auth.Secret{}, auth.ErrAuthFailed // e.g. no SCRAM-SHA-1 secret stored
	}
	return auth.Secret{SCRAM: s}, nil
}

func (userFile) ValidateToken(context.Context, *auth.Token) (string, error) {
	return "", auth.ErrAuthFailed // no OAuth here
}

func (userFile) Authorize(context.Context, string, string) error {
	return auth.ErrAuthFailed // nobody may act as someone else
}

// Implementing Credentials over stored secrets: the same entry serves SCRAM
// and, after TLS, PLAIN.
func Example_credentials() {
	sec, err := auth.DeriveSCRAMSecret(auth.SCRAMSHA256, "s3cret", nil, 0)
	if err != nil {
		panic(err)
	}
	users := userFile{"carol": sec.String()}
	opts := &auth.ServerOptions{Credentials: users, AllowInsecure: true,
		Mechanisms: []string{auth.SCRAMSHA256, auth.Plain}}
	for _, mech := range auth.ServerMechanisms(opts) {
		c, _ := auth.NewClient(mech, &auth.ClientOptions{Username: "carol", Password: "s3cret", AllowInsecure: true})
		s, _ := auth.NewServer(mech, opts)
		resp, _ := c.Start()
		for {
			chal, done, err := s.Next(context.Background(), resp)
			if err != nil {
				fmt.Println(mech, err)
				break
			}
			if done {
				if len(chal) > 0 { // additional data with success: the SCRAM signature
					c.Next(chal)
				}
				fmt.Println(mech, s.Identity().User(), c.Finish())
				break
			}
			resp, _ = c.Next(chal)
		}
	}
	// Output:
	// SCRAM-SHA-256 carol <nil>
	// PLAIN carol <nil>
}
