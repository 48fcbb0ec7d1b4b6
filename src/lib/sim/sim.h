/* sim.h — internals of the simulated Cowrie log generator (ap_simulate).
 *
 * The generator exists so that tests, demos, benchmarks and the clustering evaluation have
 * realistic honeypot logs with a known answer (truth.csv). It is split in three files:
 *   cowrie_writer.c  formats Cowrie events (2.x and 1.x line shapes) into per-sensor day buffers;
 *   actors.c         the simulated attackers: infrastructure, tooling, timing, scripts;
 *   simulate.c       the driver: days, scheduling, sorting, rotation, gzip, truth files.
 * Everything random comes from one seeded xoshiro256** stream per day, never rand() or time(),
 * so a seed always produces byte-identical output.
 */
#ifndef AP_SIM_SIM_H
#define AP_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "actorprint.h"

#define SIM_US_PER_SEC INT64_C(1000000)
#define SIM_US_PER_DAY (INT64_C(86400) * SIM_US_PER_SEC)

/* ---- PRNG: splitmix64 seeding, xoshiro256** ------------------------------------------------ */

typedef struct sim_rng {
    uint64_t s[4];
} sim_rng;

static inline uint64_t sim_splitmix(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline void sim_rng_seed(sim_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = sim_splitmix(&seed);
}

static inline uint64_t sim_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t sim_next(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = sim_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n) for n < 2^32 (n == 0 gives 0). */
static inline uint32_t sim_below(sim_rng *r, uint32_t n)
{
    return (uint32_t)(((sim_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [0, 1). */
static inline double sim_unit(sim_rng *r) { return (double)(sim_next(r) >> 11) * 0x1.0p-53; }

static inline int sim_chance(sim_rng *r, double p) { return sim_unit(r) < p; }

/* Uniform in [lo, hi] (microseconds and other 64-bit quantities). */
static inline int64_t sim_range(sim_rng *r, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int64_t)(sim_next(r) % (uint64_t)(hi - lo + 1));
}

/* ---- day buffers --------------------------------------------------------------------------- */

enum { SIM_REC_CONNECT = 1, SIM_REC_DUP = 2 };

/* One formatted line inside a sim_buf: where its text is and what the truth file needs. */
typedef struct sim_rec {
    int64_t ts;
    uint64_t off;
    uint64_t sid;
    uint32_t len;
    uint16_t actor, campaign;
    uint32_t flags;
    uint32_t pad_;
} sim_rec;

/* The lines of one sensor for one day, in generation order (sorted by time before writing). */
typedef struct sim_buf {
    char *text;
    size_t len, cap;
    sim_rec *recs;
    size_t n, ncap;
} sim_buf;

/* An SSH client implementation: its banner and key-exchange offer, with the JSON fragments of
 * both log formats prepared once. */
typedef struct sim_client {
    const char *version;
    const char *kex, *key, *enc, *mac, *comp; /* comma-separated algorithm lists */
    char hassh[33];
    char *kex_json; /* 2.x: "hassh":...,"langCS":[""]  (without braces) */
    char *old_json; /* 1.x: "kexAlgs": [...], ... (spaced) */
} sim_client;

typedef struct sim_sensor {
    char name[24];
    char dst_ip[16];
    int old_format;    /* Cowrie 1.x line shape (2018 era) */
    int bytes_version; /* client version logged as b'SSH-2.0-...' (Cowrie 2.0 on Python 3) */
    uint64_t nconn;    /* session counter: feeds the session-id permutation */
    sim_buf day[2];    /* [0] the day being generated, [1] events that fall after midnight */
} sim_sensor;

/* A session that continues after midnight into the next day's file (reported in truth-notes). */
typedef struct sim_note {
    unsigned sensor;
    uint64_t sid;
} sim_note;

typedef struct sim_world {
    uint64_t seed;
    sim_rng rng;            /* the current day's stream */
    unsigned nsensors;
    sim_sensor *sensors;
    int64_t day_start;      /* µs since the epoch of the day being generated */
    unsigned day_index;
    unsigned days_planned;  /* for campaign switch points */
    sim_client *clients;
    size_t nclients;
    sim_note *notes;
    size_t nnotes, notes_cap;
    int oom;                /* an allocation failed: abandon with AP_ERR_NOMEM */
    void *actors;           /* actors.c state (IP pools, cursors) */
    /* timestamp formatting cache */
    int64_t ts_cache_day;
    char ts_cache_date[11];
} sim_world;

/* One simulated session being written. */
typedef struct sim_session {
    sim_world *w;
    sim_sensor *sensor;
    unsigned sensor_idx;
    uint64_t sid;
    char sidtxt[13];
    size_t sidlen;
    char ip[48];
    size_t iplen;
    int port;
    int telnet;
    const sim_client *client;
    int64_t t, start;
    uint16_t actor, campaign;
    int spilled;   /* some event fell into the next day */
    int tty_open;  /* 1.x: cowrie.log.open written */
    uint64_t tty_bytes;
    int64_t tty_start;
    uint64_t conn_no; /* Twisted transport number (1.x "system" field) */
} sim_session;

/* SSH client implementations (index into sim_world.clients), table in cowrie_writer.c. */
enum {
    SIM_CL_GO_OLD,       /* SSH-2.0-Go, Go x/crypto 2018-2019 offer */
    SIM_CL_GO_GCM,       /* SSH-2.0-Go, later Go offer with aes128-gcm first */
    SIM_CL_LIBSSH063,    /* SSH-2.0-libssh-0.6.3 */
    SIM_CL_LIBSSH2_143,  /* SSH-2.0-libssh2_1.4.3 */
    SIM_CL_LIBSSH082,    /* SSH-2.0-libssh_0.8.2 */
    SIM_CL_PUTTY,        /* SSH-2.0-PUTTY (bot that claims PuTTY) */
    SIM_CL_OPENSSH73,    /* SSH-2.0-OpenSSH_7.3 (old library offer) */
    SIM_CL_PARAMIKO,     /* SSH-2.0-paramiko_2.7.2 */
    SIM_CL_LIBSSH2_180,  /* SSH-2.0-libssh2_1.8.0 */
    SIM_CL_RASPBIAN,     /* SSH-2.0-OpenSSH_6.7p1 Raspbian-5+deb8u8 */
    SIM_CL_OPENSSH82,    /* SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5 */
    SIM_CL_ERLANG,       /* SSH-2.0-Erlang/4.2.2 */
    SIM_CL_LIBSSH096,    /* SSH-2.0-libssh_0.9.6 (libssh 0.8 offer, other banner) */
    SIM_CL_SHODAN,       /* SSH-2.0-ShodanCrawler_1.6 (Go offer) */
    SIM_CL_COUNT
};

/* ---- cowrie_writer.c ----------------------------------------------------------------------- */

ap_status sim_clients_init(sim_world *w);
void sim_clients_free(sim_world *w);
const sim_client *sim_client_get(const sim_world *w, unsigned idx);

/* 64 lowercase hex characters derived from `text` (stable "SHA-256" of simulated content). */
void sim_fake_sha256(const char *text, uint64_t salt, char out[65]);

void sim_session_begin(sim_session *s, sim_world *w, unsigned sensor, int64_t start,
                       const char *ip, int telnet, const sim_client *client, uint16_t actor,
                       uint16_t campaign);
void sim_wait(sim_session *s, int64_t lo_us, int64_t hi_us);

void sim_ev_connect(sim_session *s);
void sim_ev_client(sim_session *s); /* version + kex (2.x) or version with algorithms (1.x) */
void sim_ev_fingerprint(sim_session *s, const char *user, const char *type, const char *key,
                        const char *fp);
void sim_ev_login(sim_session *s, const char *user, const char *pass, int ok);
void sim_ev_size(sim_session *s, int width, int height);
void sim_ev_var(sim_session *s, const char *name, const char *value);
void sim_ev_shell(sim_session *s, const char *arch); /* session.params (2.x) / log.open (1.x) */
void sim_ev_input(sim_session *s, const char *cmd);
void sim_ev_cmd_result(sim_session *s, const char *cmd, int found);
void sim_ev_passwd_input(sim_session *s, const char *text); /* command.success realm passwd */
void sim_ev_tty_closed(sim_session *s);
void sim_ev_download(sim_session *s, const char *url, const char *destfile, const char *sha);
void sim_ev_download_failed(sim_session *s, const char *url);
void sim_ev_redirect(sim_session *s, const char *destfile, const char *sha);
void sim_ev_upload(sim_session *s, const char *filename, const char *sha);
void sim_ev_tcpip(sim_session *s, const char *host, int port, const unsigned char *data,
                  size_t n);
void sim_ev_virustotal(sim_session *s, const char *sha, int positives);
void sim_ev_closed(sim_session *s);

/* ---- actors.c ------------------------------------------------------------------------------ */

ap_status sim_actors_init(sim_world *w);
void sim_actors_free(sim_world *w);
size_t sim_actor_count(void);
const char *sim_actor_name(size_t a);
size_t sim_campaign_count(size_t a);
const char *sim_campaign_name(size_t a, size_t c);
/* Generates all sessions of one day for every actor, into the sensors' day buffers. */
void sim_actors_run_day(sim_world *w, double scale);
/* Writes the autonomous systems of the simulated address space (every actor pool, and synthetic
 * residential ISPs for the rest) to f in iptoasn.com ip2asn TSV format, sorted and disjoint.
 * Fixed content: it depends on nothing random. Returns 0, or -1 when writing failed. */
int sim_asn_write(FILE *f);

#endif
