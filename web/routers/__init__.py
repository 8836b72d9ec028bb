"""One APIRouter per resource: health, facts, model, recommendations, earnings."""
