/** The analyst and integration queries; one file per query family. */
import './overlap.ts';
import './similarity.ts';
import './prevalence.ts';
import './cooccurrence.ts';
import './coverage.ts';
import './mitigation-plan.ts';
import './detection.ts';
import './detectable.ts';
import './paths.ts';
import './layer-fields.ts';
import './changes.ts';
import './technique-changes.ts';
