/*
 * rng.c - the generator's PRNG: xoshiro256** seeded through splitmix64
 * (Blackman and Vigna).  Not for secrets: only for fake data that must be
 * the same on every run with the same seed.
 */
#include "core/gen/gen.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
gen_rng_seed(struct gen_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
gen_rng_next(struct gen_rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t
gen_rng_below(struct gen_rng *r, uint32_t n)
{
	/* Lemire's multiply-shift: the bias for the small n used here is
	 * far below anything a fake data set could show. */
	if (n == 0)
		return 0;
	return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

int
gen_rng_chance(struct gen_rng *r, uint32_t per_mille)
{
	return gen_rng_below(r, 1000) < per_mille;
}
