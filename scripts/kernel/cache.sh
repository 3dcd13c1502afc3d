# Sourced by setup.sh and run.sh: where kernel images, the arm64 headers and busybox are kept.
# TAGCACHE_KERNEL_CACHE if set; else /var/cache/tagcache-kernel when it exists or can be created
# (as root: it outlives clean clones, so CI downloads nothing twice); else build/kernel/cache.
kernel_cache_dir() {
    if [[ -n ${TAGCACHE_KERNEL_CACHE:-} ]]; then
        echo "$TAGCACHE_KERNEL_CACHE"
    elif [[ -e /var/cache/tagcache-kernel/release || -w /var/cache ]]; then
        echo /var/cache/tagcache-kernel
    else
        echo "$1/build/kernel/cache"
    fi
}
