// Live running total on the review form: the same weighted mean the server computes
// (100 × Σ weight × score / (4 × Σ weight) over the scored criteria).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const total = document.querySelector(".review-total");
  const group = document.querySelector(".review-scores");
  if (!total || !group) return;
  const eligible = Number(total.dataset.eligible);
  const information = Number(total.dataset.information);
  const output = total.querySelector(".review-total__score");
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
    if (!weights) {
      output.textContent = "—";
      delete total.dataset.band;
      return;
    }
    const score = Math.round((1000 * points) / (4 * weights)) / 10;
    output.textContent = String(score);
    total.dataset.band = score >= eligible ? "eligible" : score >= information ? "information" : "low";
  };
  group.addEventListener("change", recompute);
  recompute();
});
