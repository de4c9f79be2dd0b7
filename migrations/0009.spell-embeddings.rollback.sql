DROP TABLE IF EXISTS spell_embeddings;
