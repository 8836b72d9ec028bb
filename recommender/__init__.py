"""The uplift recommender: simulator, estimator, persistence, evaluation."""
