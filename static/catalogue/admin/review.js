// Live running total on the review form: the same weighted mean the server computes
// (100 × Σ weight × score / (4 × Σ weight) over the scored criteria), and the outcome it
// proposes (ProjectReview.proposed_decision): a failed gate means not eligible.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const total = document.querySelector(".review-total");
  const group = document.querySelector(".review-scores");
  if (!total || !group) return;
  const gates = document.querySelector(".review-gates");
  const eligible = Number(total.dataset.eligible);
  const information = Number(total.dataset.information);
  const output = total.querySelector(".review-total__score");
  const outcome = total.querySelector(".review-total__outcome");
  const recompute = () => {
    let points = 0;
    let weights = 0;
    group.querySelectorAll(".review-row[data-weight]").forEach((row) => {
      const checked = row.querySelector("input[type=radio][name$='-score']:checked");
      if (!checked || checked.value === "") return;
      const weight = Number(row.dataset.weight);
      points += weight * Number(checked.value);
      weights += weight;
    });
    const failed = gates && gates.querySelector("input[type=radio][value=false]:checked");
    if (!weights) {
      output.textContent = "—";
      delete total.dataset.band;
      outcome.textContent = failed ? total.dataset.labelFailed : total.dataset.labelNone;
      return;
    }
    const score = Math.round((1000 * points) / (4 * weights)) / 10;
    const band = score >= eligible ? "eligible" : score >= information ? "information" : "low";
    output.textContent = String(score);
    total.dataset.band = band;
    const labels = {
      eligible: total.dataset.labelEligible,
      information: total.dataset.labelInformation,
      low: total.dataset.labelLow,
    };
    outcome.textContent = failed ? total.dataset.labelFailed : labels[band];
  };
  group.addEventListener("change", recompute);
  if (gates) gates.addEventListener("change", recompute);
  recompute();
});
