// libCacheSim's LRU replaying the ARC paper's block traces, for the side-by-side measurement of
// scripts/libcachesim_side_by_side.sh (bench/README.md). Not part of the project's build: the
// script builds libCacheSim from its public source (https://github.com/1a1a11a/libCacheSim)
// and compiles this file against it with bench/libcachesim/Makefile.
//
//   lcs_replay [--operations | --time] TRACE CAPACITY
//
// TRACE is a .lis trace (plain or zstd), read the way sim/tagsim/trace/lis_trace.hpp reads it: one
// request a line, `starting_block number_of_blocks ignored request_number`, each block one page
// request; blank lines skipped. CAPACITY is in objects: every object has size 1 and the cache
// size is CAPACITY, libCacheSim's per-object metadata not counted (consider_obj_metadata off),
// so the cache holds exactly CAPACITY objects, as our pool holds CAPACITY pages.
//
// Prints "requests N hits H" (the format of our bench/replay_command.hpp). The modes mirror our
// two replay programs, so that callgrind counts the same scope on both sides:
//   (none)        run_replay(): cache->get() per request, as libCacheSim's simulator does.
//   --operations  run_per_operation(): each operation through a noipa wrapper of its kind:
//                 op_get_hit, op_get_miss (cache->find that fails), op_insert_evicting and
//                 op_insert_filling (what cache_get_base() does after a failed find: can_insert,
//                 evict while full, insert).
//   --time        run_replay() timed with CLOCK_MONOTONIC; a second line "seconds S".
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "libCacheSim.h"

static void fail(const char* why, const char* what) {
    fprintf(stderr, "lcs_replay: %s%s\n", why, what);
    exit(1);
}

// The whole file, decompressed when it starts with zstd's magic number.
static char* read_trace_text(const char* path, size_t* size) {
    FILE* file = fopen(path, "rb");
    if (file == NULL)
        fail("cannot open ", path);
    size_t raw_size = 0, raw_capacity = 1 << 20;
    unsigned char* raw = malloc(raw_capacity);
    size_t got;
    while (raw != NULL && (got = fread(raw + raw_size, 1, raw_capacity - raw_size, file)) > 0) {
        raw_size += got;
        if (raw_size == raw_capacity)
            raw = realloc(raw, raw_capacity *= 2);
    }
    if (raw == NULL || ferror(file))
        fail("cannot read ", path);
    fclose(file);
    const bool zstd =
        raw_size >= 4 && raw[0] == 0x28 && raw[1] == 0xb5 && raw[2] == 0x2f && raw[3] == 0xfd;
    if (!zstd) {
        *size = raw_size;
        return (char*)raw;
    }
    ZSTD_DCtx* context = ZSTD_createDCtx();
    size_t text_capacity = raw_size * 4 + 1024;
    char* text = malloc(text_capacity);
    ZSTD_inBuffer in = {raw, raw_size, 0};
    ZSTD_outBuffer out = {text, text_capacity, 0};
    size_t left = 1;
    while (context != NULL && text != NULL && left != 0) {
        left = ZSTD_decompressStream(context, &out, &in);
        if (ZSTD_isError(left))
            fail("not a valid zstd stream: ", path);
        if (left != 0 && in.pos == in.size && out.pos < out.size)
            fail("truncated zstd stream: ", path);
        if (out.pos == out.size) {
            text = realloc(text, text_capacity *= 2);
            out.dst = text;
            out.size = text_capacity;
        }
    }
    if (context == NULL || text == NULL)
        fail("out of memory decompressing ", path);
    ZSTD_freeDCtx(context);
    free(raw);
    *size = out.pos;
    return text;
}

// The next unsigned decimal field at *at (blanks skipped); false if none or above 2^64 - 1.
static bool parse_field(const char** at, const char* end, uint64_t* value) {
    const char* p = *at;
    while (p != end && (*p == ' ' || *p == '\t'))
        ++p;
    const char* digits = p;
    uint64_t parsed = 0;
    for (; p != end && *p >= '0' && *p <= '9'; ++p) {
        const unsigned digit = (unsigned)(*p - '0');
        if (parsed > (UINT64_MAX - digit) / 10)
            return false;
        parsed = parsed * 10 + digit;
    }
    if (p == digits || (p != end && *p != ' ' && *p != '\t'))
        return false;
    *at = p;
    *value = parsed;
    return true;
}

// Every page request of the trace, in order.
static uint64_t* read_requests(const char* path, size_t* count) {
    size_t size;
    char* text = read_trace_text(path, &size);
    size_t n = 0, capacity = 1 << 20;
    uint64_t* requests = malloc(capacity * sizeof *requests);
    unsigned long line_number = 0;
    for (const char* line = text; line < text + size;) {
        const char* newline = memchr(line, '\n', (size_t)(text + size - line));
        const char* end = newline != NULL ? newline : text + size;
        const char* next = newline != NULL ? newline + 1 : end;
        ++line_number;
        if (end != line && end[-1] == '\r')
            --end;
        const char* at = line;
        while (at != end && (*at == ' ' || *at == '\t'))
            ++at;
        if (at == end) { // blank
            line = next;
            continue;
        }
        uint64_t fields[4];
        for (int i = 0; i < 4; ++i)
            if (!parse_field(&at, end, &fields[i])) {
                fprintf(stderr, "lcs_replay: %s:%lu: expected four unsigned integers\n", path,
                        line_number);
                exit(1);
            }
        while (at != end && (*at == ' ' || *at == '\t'))
            ++at;
        if (at != end || fields[1] == 0 || fields[1] > (1u << 16) ||
            fields[0] > UINT64_MAX - fields[1]) {
            fprintf(stderr,
                    "lcs_replay: %s:%lu: more than four fields, or a block count of 0 "
                    "or above 65536\n",
                    path, line_number);
            exit(1);
        }
        for (uint64_t block = fields[0]; block < fields[0] + fields[1]; ++block) {
            if (n == capacity) {
                capacity *= 2;
                requests = realloc(requests, capacity * sizeof *requests);
            }
            if (requests == NULL)
                fail("out of memory reading ", path);
            requests[n++] = block;
        }
        line = next;
    }
    free(text);
    *count = n;
    return requests;
}

static cache_t* new_lru(uint64_t capacity) {
    common_cache_params_t params = default_common_cache_params();
    params.cache_size = capacity; // objects of size 1, metadata not counted: CAPACITY objects
    params.hashpower = 16;
    params.consider_obj_metadata = false;
    params.default_ttl = 0;
    return LRU_init(params, NULL);
}

__attribute__((noinline)) static uint64_t run_replay(cache_t* cache, request_t* req,
                                                     const uint64_t* requests, size_t count) {
    uint64_t hits = 0;
    for (size_t i = 0; i < count; ++i) {
        req->obj_id = requests[i];
        hits += cache->get(cache, req) ? 1u : 0u;
    }
    return hits;
}

// The wrappers cost a call and a return each, as ours in bench/replay_operations.cpp do; noipa
// keeps the compiler from merging the identical ones or inlining them.
__attribute__((noipa)) static bool op_get_hit(cache_t* cache, const request_t* req) {
    return cache->find(cache, req, true) != NULL;
}
__attribute__((noipa)) static bool op_get_miss(cache_t* cache, const request_t* req) {
    return cache->find(cache, req, true) != NULL;
}
__attribute__((noipa)) static bool op_insert_evicting(cache_t* cache, const request_t* req) {
    if (!cache->can_insert(cache, req))
        return false;
    while (cache->get_occupied_byte(cache) + req->obj_size + cache->obj_md_size > cache->cache_size)
        cache->evict(cache, req);
    return cache->insert(cache, req) != NULL;
}
__attribute__((noipa)) static bool op_insert_filling(cache_t* cache, const request_t* req) {
    if (!cache->can_insert(cache, req))
        return false;
    while (cache->get_occupied_byte(cache) + req->obj_size + cache->obj_md_size > cache->cache_size)
        cache->evict(cache, req);
    return cache->insert(cache, req) != NULL;
}

// A first, uncounted pass with cache->get() tells which requests hit; the counted pass then
// calls the wrapper of each request's kind and checks that it went the same way.
__attribute__((noinline)) static uint64_t run_per_operation(cache_t* cache, request_t* req,
                                                            const uint64_t* requests, size_t count,
                                                            const bool* hit, uint64_t capacity) {
    uint64_t hits = 0, stored = 0, wrong = 0;
    for (size_t i = 0; i < count; ++i) {
        req->obj_id = requests[i];
        cache->n_req += 1;
        if (hit[i]) {
            wrong += op_get_hit(cache, req) ? 0u : 1u;
            ++hits;
            continue;
        }
        wrong += op_get_miss(cache, req) ? 1u : 0u;
        const bool inserted =
            stored++ >= capacity ? op_insert_evicting(cache, req) : op_insert_filling(cache, req);
        wrong += inserted ? 0u : 1u;
    }
    if (wrong != 0) {
        fprintf(stderr,
                "lcs_replay: per-operation pass: %llu requests did not go as the first "
                "pass\n",
                (unsigned long long)wrong);
        exit(1);
    }
    return hits;
}

int main(int argc, char** argv) {
    int first = 1;
    const char* mode = "";
    if (argc > 1 && (strcmp(argv[1], "--operations") == 0 || strcmp(argv[1], "--time") == 0))
        mode = argv[first++];
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("usage: %s [--operations | --time] TRACE CAPACITY\n"
               "libCacheSim's LRU (2^16 hash buckets, CAPACITY objects of size 1) replaying a "
               ".lis trace;\nprints \"requests N hits H\" (--time: and \"seconds S\")\n",
               argv[0]);
        return 0;
    }
    if (argc - first != 2) {
        fprintf(stderr, "usage: %s [--operations | --time] TRACE CAPACITY\n", argv[0]);
        return 2;
    }
    char* end;
    errno = 0;
    const unsigned long long capacity = strtoull(argv[first + 1], &end, 10);
    if (errno != 0 || *end != '\0' || capacity == 0 || capacity > (1ull << 32))
        fail("CAPACITY must be a number of objects from 1 to 2^32, not ", argv[first + 1]);
    size_t count;
    uint64_t* requests = read_requests(argv[first], &count);
    request_t* req = new_request();
    req->obj_size = 1;

    uint64_t hits;
    if (strcmp(mode, "--operations") == 0) {
        bool* hit = malloc(count * sizeof *hit);
        cache_t* first_pass = new_lru(capacity);
        for (size_t i = 0; i < count; ++i) {
            req->obj_id = requests[i];
            hit[i] = first_pass->get(first_pass, req);
        }
        first_pass->cache_free(first_pass);
        cache_t* cache = new_lru(capacity);
        hits = run_per_operation(cache, req, requests, count, hit, capacity);
        cache->cache_free(cache);
        free(hit);
    } else {
        cache_t* cache = new_lru(capacity);
        struct timespec start, stop;
        clock_gettime(CLOCK_MONOTONIC, &start);
        hits = run_replay(cache, req, requests, count);
        clock_gettime(CLOCK_MONOTONIC, &stop);
        cache->cache_free(cache);
        printf("requests %zu hits %llu\n", count, (unsigned long long)hits);
        if (strcmp(mode, "--time") == 0)
            printf("seconds %.9f\n", (double)(stop.tv_sec - start.tv_sec) +
                                         (double)(stop.tv_nsec - start.tv_nsec) * 1e-9);
        free_request(req);
        free(requests);
        return 0;
    }
    printf("requests %zu hits %llu\n", count, (unsigned long long)hits);
    free_request(req);
    free(requests);
    return 0;
}
