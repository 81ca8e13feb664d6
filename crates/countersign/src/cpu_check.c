/* The start-up check that this CPU has what the build was compiled to use.
 *
 * .cargo/config.toml builds the Rust code for x86-64-v3 (AVX2, BMI2, FMA).
 * On an older CPU such a binary dies of SIGILL at the first instruction it
 * lacks, which tells an operator nothing. This check is C, compiled for the
 * baseline, and runs as a constructor: before any Rust code, whose every
 * function may already use VEX encodings. build.rs defines NEED_<feature>
 * as 1 for each feature the Rust build enabled and 0 for the others, so a
 * baseline build checks nothing.
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
    __builtin_cpu_init();
    /* __builtin_cpu_supports takes only a literal, hence a row each. */
    const struct {
        const char *name;
        int needed;
        int supported;
    } features[] = {
        {"avx", NEED_AVX, __builtin_cpu_supports("avx")},
        {"avx2", NEED_AVX2, __builtin_cpu_supports("avx2")},
        {"bmi1", NEED_BMI1, __builtin_cpu_supports("bmi")},
        {"bmi2", NEED_BMI2, __builtin_cpu_supports("bmi2")},
        {"fma", NEED_FMA, __builtin_cpu_supports("fma")},
    };
    const int count = sizeof features / sizeof features[0];
    const char *missing[sizeof features / sizeof features[0]];
    int n = 0;
    for (int i = 0; i < count; i++) {
        if (features[i].needed && !has(features[i].name, features[i].supported)) {
            missing[n++] = features[i].name;
        }
    }
    if (n == 0) return;
    say("error: this countersign was built for x86-64-v3 and this CPU lacks");
    for (int i = 0; i < n; i++) {
        say(i == 0 ? " " : ", ");
        say(missing[i]);
    }
    say("; rebuild it with RUSTFLAGS=\"-C target-cpu=x86-64\" (see .cargo/config.toml)\n");
    _exit(1);
}
