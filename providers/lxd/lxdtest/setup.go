package lxdtest

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// provision imports the busybox image, trusts a fresh client certificate
// (with trust) and reads what the daemon says about itself.
func (d *Daemon) provision(busybox string, trust bool) error {
	img, err := buildImage(busybox)
	if err != nil {
		return fmt.Errorf("busybox image: %w", err)
	}
	path := filepath.Join(d.Dir, "busybox.tar")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		return err
	}
	if _, err := d.run(nil, d.lxc, "image", "import", path, "--alias", ImageAlias, "-q"); err != nil {
		return err
	}
	if trust {
		if err := d.trustClient(); err != nil {
			return err
		}
	}
	// A cluster member answers HTTPS with the cluster's certificate.
	crt, err := os.ReadFile(filepath.Join(d.Dir, "cluster.crt"))
	if err != nil {
		crt, err = os.ReadFile(filepath.Join(d.Dir, "server.crt"))
	}
	if err != nil {
		return err
	}
	d.ServerCert = string(crt)
	return d.readServerName()
}

// trustClient makes a client certificate and adds it to the trust store.
func (d *Daemon) trustClient() error {
	var err error
	if d.ClientCert, d.ClientKey, err = newClientCert("neoconsole-test"); err != nil {
		return err
	}
	certPath := filepath.Join(d.Dir, "client.crt")
	if err := os.WriteFile(certPath, []byte(d.ClientCert), 0o600); err != nil {
		return err
	}
	_, err = d.run(nil, d.lxc, "config", "trust", "add", certPath, "--name", "neoconsole-test")
	return err
}

// join makes d a member name of first's cluster.
func (d *Daemon) join(first *Daemon, name string) error {
	if err := d.startProcess(); err != nil {
		return err
	}
	out, err := first.run(nil, first.lxc, "cluster", "add", name)
	if err != nil {
		return err
	}
	lines := strings.Fields(out)
	if len(lines) == 0 {
		return fmt.Errorf("no join token in %q", out)
	}
	token := lines[len(lines)-1]
	cert := "    " + strings.ReplaceAll(strings.TrimSpace(first.ServerCert), "\n", "\n    ")
	err = d.preseed(func(addr string) string {
		return fmt.Sprintf(`cluster:
  enabled: true
  server_name: %s
  server_address: %q
  cluster_address: %q
  cluster_token: %s
  cluster_certificate: |
%s
  member_config:
  - entity: storage-pool
    name: default
    key: source
    value: ""
`, name, addr, first.HTTPSAddr, token, cert)
	})
	if err != nil {
		return err
	}
	d.ServerCert = first.ServerCert
	return d.readServerName()
}

func (d *Daemon) readServerName() error {
	raw, err := d.run(nil, d.lxc, "query", "/1.0")
	if err != nil {
		return err
	}
	var srv struct {
		Environment struct {
			ServerName string `json:"server_name"`
		} `json:"environment"`
	}
	if err := json.Unmarshal([]byte(raw), &srv); err != nil {
		return fmt.Errorf("GET /1.0: %w", err)
	}
	d.ServerName = srv.Environment.ServerName
	return nil
}

// preseedYAML makes the storage pool, the profiles and the HTTPS listener
// (%s: its address). The default profile stops containers with SIGKILL
// (see initScript). neonet is a point-to-point NIC: a veth pair with no
// bridge, so no subnet or dnsmasq is needed, and every daemon's names are
// its own.
const preseedYAML = `config:
  core.https_address: %q
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  config:
    raw.lxc: "lxc.signal.halt = SIGKILL"
  devices:
    root:
      path: /
      pool: default
      type: disk
- name: neonet
  devices:
    eth0:
      name: eth0
      nictype: p2p
      type: nic
`

// preseed runs `lxd init --preseed` with yaml(address) for a free loopback
// address; a port taken between picking and binding gets another try.
func (d *Daemon) preseed(yaml func(addr string) string) error {
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if _, err = d.run([]byte(yaml(addr)), d.lxd, "init", "--preseed"); err == nil {
			d.HTTPSAddr = addr
			return nil
		}
		if !strings.Contains(err.Error(), "in use") {
			return err
		}
	}
	return err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
