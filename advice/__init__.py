"""From rule verdicts and model predictions to advice: the one ranking, plausibility flags, the plain verdict."""
