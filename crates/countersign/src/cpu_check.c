/* The start-up check that this CPU has what the build was compiled to use.
 *
 * .cargo/config.toml builds the Rust code for x86-64-v3 (AVX2, BMI2, FMA).
 * On an older CPU such a binary dies of SIGILL at the first instruction it
 * lacks, which tells an operator nothing. This check is C, compiled for the
 * baseline, and runs as a constructor: before any Rust code, whose every
 * function may already use VEX encodings. build.rs defines NEED_<feature>
 * for each feature the Rust build enabled, so a baseline build checks
 * nothing.
 *
 * COUNTERSIGN_CPU_PRETEND_MISSING=<feature> reports that feature missing,
 * so that the refusal itself can be tested on a machine that has it. It can
 * only stop the program, never let it run. build.rs links this object
 * whole, since nothing refers to it.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int has(const char *feature, int supported) {
    const char *pretend = getenv("COUNTERSIGN_CPU_PRETEND_MISSING");
    if (pretend != NULL && strcmp(pretend, feature) == 0) return 0;
    return supported;
}

static void say(const char *text) {
    ssize_t ignored = write(2, text, strlen(text));
    (void)ignored;
}

__attribute__((constructor)) static void countersign_cpu_check(void) {
    const char *missing[8];
    int n = 0;
    __builtin_cpu_init();
#ifdef NEED_AVX
    if (!has("avx", __builtin_cpu_supports("avx"))) missing[n++] = "avx";
#endif
#ifdef NEED_AVX2
    if (!has("avx2", __builtin_cpu_supports("avx2"))) missing[n++] = "avx2";
#endif
#ifdef NEED_BMI1
    if (!has("bmi1", __builtin_cpu_supports("bmi"))) missing[n++] = "bmi1";
#endif
#ifdef NEED_BMI2
    if (!has("bmi2", __builtin_cpu_supports("bmi2"))) missing[n++] = "bmi2";
#endif
#ifdef NEED_FMA
    if (!has("fma", __builtin_cpu_supports("fma"))) missing[n++] = "fma";
#endif
    if (n == 0) return;
    say("error: this countersign was built for x86-64-v3 and this CPU lacks");
    for (int i = 0; i < n; i++) {
        say(i == 0 ? " " : ", ");
        say(missing[i]);
    }
    say("; rebuild it with RUSTFLAGS=\"-C target-cpu=x86-64\" (see .cargo/config.toml)\n");
    _exit(1);
}
