// The web board: fetch fresh figures every few seconds and put them in place, without a reload.
// Every value is set as text, never as markup: names are what people typed.
"use strict";

(function () {
  const body = document.body;
  const source = body.dataset.source;
  const base = body.dataset.base;
  const every = Math.max(1, Number(body.dataset.refresh) || 60) * 1000;
  const drawn = {};

  function at(data, path) {
    return path.split(".").reduce((value, key) => (value == null ? value : value[key]), data);
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  const rows = {
    teams(team) {
      const row = document.createElement("tr");
      cell(row, team.rank);
      cell(row, team.name, "name");
      cell(row, team.km, "num");
      cell(row, team.members, "num members");
      const move = cell(row, "", "move");
      const arrow = document.createElement("span");
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = team.move;
      const said = document.createElement("span");
      said.className = "said";
      said.textContent = team.move_said;
      move.append(arrow, " ", said);
      return row;
    },
    people(person) {
      const row = document.createElement("tr");
      cell(row, person.rank);
      cell(row, person.name, "name");
      cell(row, person.team, "name");
      cell(row, person.km, "num");
      return row;
    },
  };

  function photo(entry) {
    const item = document.createElement("li");
    if (entry.winner) item.className = "winner";
    const figure = document.createElement("figure");
    const image = document.createElement("img");
    image.src = base + entry.src;
    image.alt = entry.title;
    image.loading = "lazy";
    const caption = document.createElement("figcaption");
    if (entry.winner) {
      const prize = document.createElement("strong");
      prize.textContent = "🏆 ";
      caption.appendChild(prize);
    }
    caption.append(entry.title + ", " + entry.by);
    figure.append(image, caption);
    item.appendChild(figure);
    return item;
  }

  // A part is rebuilt only when its figures changed: nothing flickers.
  function replace(name, list, make, into) {
    const key = JSON.stringify(list);
    if (drawn[name] === key) return;
    drawn[name] = key;
    into.replaceChildren(...list.map(make));
  }

  function show(data) {
    document.querySelectorAll("[data-field]").forEach((element) => {
      const value = at(data, element.dataset.field);
      if (value != null && element.textContent !== String(value)) element.textContent = value;
    });
    document.querySelectorAll("[data-list]").forEach((element) => {
      replace(element.dataset.list, at(data, element.dataset.list) || [], (line) => {
        const item = document.createElement("li");
        item.textContent = line;
        return item;
      }, element);
    });
    document.querySelectorAll("[data-rows]").forEach((element) => {
      const name = element.dataset.rows;
      replace(name, data[name] || [], rows[name], element);
    });
    document.querySelectorAll("[data-gallery]").forEach((element) => {
      const photos = data.photos || [];
      replace("photos", photos.length ? photos : [null], (entry) => {
        if (entry) return photo(entry);
        const empty = document.createElement("li");
        empty.className = "empty";
        empty.textContent = data.labels.no_photos;
        return empty;
      }, element);
    });
    document.querySelectorAll("[data-block]").forEach((element) => {
      element.hidden = !at(data, element.dataset.block);
    });
    document.querySelectorAll("[data-progress]").forEach((element) => {
      const value = at(data, element.dataset.progress);
      if (value != null) element.value = value;
    });
    const map = document.querySelector("[data-image=map]");
    if (map && data.map && !map.src.endsWith(data.map)) {
      // Swapped once loaded, so the old map stays until the new one is there.
      const next = new Image();
      next.onload = () => {
        map.src = next.src;
        map.alt = data.labels.map + ": " + data.journey.line;
      };
      next.src = base + data.map;
    }
  }

  async function refresh() {
    try {
      const response = await fetch(source, { cache: "no-store", credentials: "omit" });
      if (response.ok) show(await response.json());
    } catch (error) {
      // The bot restarting, or the network: the figures shown stay until the next try.
    }
    setTimeout(refresh, every);
  }

  setTimeout(refresh, every);
})();
