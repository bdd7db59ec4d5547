/*
 * The list bounds (list-bounds.ts) of the Atomic test and emulation plan types, kept beside them.
 * Measured on the August 2026 Atomic index: 1,819 tests over 341 technique IDs, at most 90 tests
 * for one technique (T1003-like credential dumping has the most).
 */

/** Tests of one technique ID, with room to grow. */
const TESTS_PER_TECHNIQUE = 256;
/** Every test of an index. */
const TESTS = 10_000;
/** Techniques and sub-techniques of a release (1,120 over three domains in 18.1). */
const TECHNIQUES = 2_000;
/** An actor's software that performs one technique. */
const SOFTWARE_PER_STEP = 128;

export const ATOMIC_LIST_BOUNDS = {
  'Technique.atomicTests': TESTS_PER_TECHNIQUE,
  'AtomicTestList.nodes': TESTS,
  'AtomicTestList.unknownTechniques': TECHNIQUES,
  'EmulationPlan.steps': TECHNIQUES,
  'EmulationPlan.offPlatform': TECHNIQUES,
  'EmulationStep.software': SOFTWARE_PER_STEP,
  'EmulationStep.atomicTests': TESTS_PER_TECHNIQUE,
  // Sigma rules naming one technique (the 349 SigmaHQ sample rules name at most a few dozen each).
  'EmulationStep.detectionRules': 1_000,
} as const;
